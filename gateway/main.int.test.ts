import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestCertificates } from '../adapters/hl7v2/mllp/testkit/certs.ts';
import { connectBus } from './bus/connection.ts';
import { freeLoopbackPort } from './bus/embedded-nats.ts';
import { TEST_NATS_URL } from './bus/test-support.ts';
import { EXIT_START_AGAIN } from './cli/main.ts';
import { freshExternalStores, startGatewayProcess, waitGatewayReady } from './process-test-support.ts';

/**
 * The gateway as its users run it: `gateway start` in a child process. Covers the embedded defaults, the data
 * folder lock, a clean stop, and a kill -9 between the JetStream PubAck and the ledger write.
 */

const opensslPresent = await hasOpenssl();
const SYSTEM_TOKEN = 'system-token-0123456789';
const COMPLIANCE_TOKEN = 'compliance-token-0123456789';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gateway <args>` to completion without blocking this process, killed after 30 s. */
function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/gateway.js', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

const event = (messageId: string) => ({
  type: 'rx.dispense',
  facility_id: 'CRASH1',
  occurred_at: '2026-11-21T10:00:00Z',
  source: { adapter: 'api', sender: 'PHARM^HOSP', message_id: messageId },
  drug: { ndc11: '00591036901', schedule: 'II' },
  payload: { prescription_number: messageId },
});

const post = (port: number, token: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function ledgerRows(port: number, token: string, facility: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/ledger?facility=${facility}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { entries: { idempotency_key: string; seq: number }[] }).entries;
}

describe('gateway process', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  const externalStores = () => freshExternalStores(TEST_NATS_URL, (c) => cleanups.push(c));
  /** A gateway process's settings on a fresh database and bus namespace of the shared servers, and its HTTP port. */
  const externalGateway = async () => {
    const { db, namespace } = await externalStores();
    const port = await freeLoopbackPort();
    const env = {
      HTTP_PORT: String(port),
      MLLP_PORT: '0',
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      BUS_NAMESPACE: namespace,
      AUTH_TOKENS: `system:${SYSTEM_TOKEN},compliance:${COMPLIANCE_TOKEN}`,
    };
    return { db, namespace, port, env };
  };

  it('comes up with the embedded defaults, refuses a second gateway on its data folder, and stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-embedded-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freeLoopbackPort();
    const first = startGatewayProcess({ DATA_DIR: dataDir, HTTP_PORT: String(port), MLLP_PORT: '0' });
    cleanups.push(async () => void first.child.kill('SIGKILL'));
    await waitGatewayReady(port, first);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    // No tokens configured: an admin token was generated into the data folder, and it works.
    const admin = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const accepted = await post(port, admin, event('EMB1'));
    expect(accepted.status, await accepted.clone().text()).toBe(202);
    expect(await accepted.json()).toMatchObject({ ack_point: 'ledger', ledger: { chain: 'CRASH1', seq: 1 } });

    const second = startGatewayProcess({ DATA_DIR: dataDir, HTTP_PORT: String(await freeLoopbackPort()), MLLP_PORT: '0' });
    const secondExit = await second.exited;
    expect(secondExit.code, second.stderr()).not.toBe(0);
    expect(second.stderr()).toMatch(/data folder .* is in use by another gateway \(pid \d+\)/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    // The command line talks to the running gateway: the embedded store is locked by it, so verify-ledger asks its API.
    // Run asynchronously: a synchronous spawn would freeze this process's idle keep-alive sockets past the server's
    // keep-alive timeout, and the next fetch would go out on a socket the gateway has already closed.
    const cli = (...args: string[]) => runCli(args, { DATA_DIR: dataDir, HTTP_PORT: String(port) });
    const verified = await cli('verify-ledger');
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('ledger verified: every chain is intact');
    expect(verified.stdout).toMatch(/chain CRASH1: 1 entries/);
    await post(port, admin, { ...event('EMB2'), facility_id: 'not a facility' }); // rejected: kept in quarantine
    const listed = await cli('quarantine', 'list', '--adapter', 'api');
    expect(listed.status, listed.stderr).toBe(0);
    const entries = (JSON.parse(listed.stdout) as { entries: { id: number; reason: string }[] }).entries;
    expect(entries.map((e) => e.reason)).toEqual(['invalid_event']);
    const shown = await cli('quarantine', 'show', String(entries[0]!.id));
    expect(JSON.parse(shown.stdout)).toMatchObject({ adapter: 'api', reason: 'invalid_event' });
    // The message trace on the embedded store and bus: the accepted event's ledger place, the refused one's copy.
    const trace = async (messageId: string) =>
      (await (await fetch(`http://127.0.0.1:${port}/api/trace?message_id=${messageId}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
        ledger: { chain: string; seq: number }[];
        quarantine: { id: number; reason: string }[];
        unavailable: string[];
      };
    expect(await trace('EMB1')).toMatchObject({ ledger: [{ chain: 'CRASH1', seq: 1 }], quarantine: [], unavailable: [] });
    expect(await trace('EMB2')).toMatchObject({ ledger: [], quarantine: [{ id: entries[0]!.id, reason: 'invalid_event' }], unavailable: [] });
    const traced = await cli('trace', 'EMB1', '--sender', 'PHARM^HOSP');
    expect(traced.status, traced.stderr).toBe(0);
    expect(JSON.parse(traced.stdout)).toMatchObject({ query: { message_id: 'EMB1', sender: 'PHARM^HOSP' }, ledger: [{ chain: 'CRASH1' }] });
    expect((await cli('trace')).stderr).toMatch(/trace needs a message id/);
    const status = await cli('mllp-status');
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ port: expect.any(Number), connections: [] });
    const dlq = await cli('dlq', 'list');
    expect(dlq.status, dlq.stderr).toBe(0);
    expect((await cli('quarantine', 'replay')).stderr).toMatch(/quarantine replay needs an id/);

    const natsPid = Number(await readFile(join(dataDir, 'nats', 'nats-server.pid'), 'utf8'));
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(() => process.kill(natsPid, 0)).toThrow(); // the embedded nats-server went with it

    // Stopped, the data folder is free: verify-ledger opens the store itself and checks the checkpoint signed at
    // the stop with the public key the gateway left in DATA_DIR/keys.
    const offline = await cli('verify-ledger');
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/checkpoints: 1 verified, newest 1 at .* \(key [0-9a-f]{16}\)/);
    expect(offline.stdout).toContain('ledger verified: every chain is intact and matches its signed checkpoints');
    // Nine node processes, two of them gateways with the embedded store: ~30 s on two idle cores, more when shared.
  }, 180_000);

  it('after a kill -9 between the PubAck and the ledger write, the event is in the ledger exactly once after restart', async () => {
    const { port, namespace, db, env: external } = await externalGateway();
    const env = { ...external, INSTANCE_ID: 'crash-test', ACK_WAIT_MS: '2000' };

    const doomed = startGatewayProcess({ ...env, TEST_CRASH_AFTER_PUBACK: 'true' });
    cleanups.push(async () => void doomed.child.kill('SIGKILL'));
    await waitGatewayReady(port, doomed);
    await expect(post(port, SYSTEM_TOKEN, event('KILL1'))).rejects.toThrow(); // the connection dies with the process
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The process died before its ledger write: the event exists only as an unacknowledged JetStream message.
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    expect((await sql`select count(*)::int as n from ledger`)[0]!.n).toBe(0);
    await sql.end();
    const bus = await connectBus(TEST_NATS_URL, 'check', namespace);
    expect((await bus.jsm.streams.info(bus.names.streams.events)).state.messages).toBe(1);
    await bus.close();

    const revived = startGatewayProcess(env);
    cleanups.push(async () => void revived.child.kill('SIGKILL'));
    await waitGatewayReady(port, revived);
    let rows: Awaited<ReturnType<typeof ledgerRows>> = [];
    for (let i = 0; i < 200 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await ledgerRows(port, COMPLIANCE_TOKEN, 'CRASH1');
    }
    expect(rows).toHaveLength(1);

    // The sender never got its answer, so it retries: same event, same row, a positive answer.
    const retry = await post(port, SYSTEM_TOKEN, event('KILL1'));
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ duplicate: true, ledger: { chain: 'CRASH1', seq: 1 } });
    expect(await ledgerRows(port, COMPLIANCE_TOKEN, 'CRASH1')).toHaveLength(1);

    revived.child.kill('SIGTERM');
    expect((await revived.exited).code).toBe(0);
  });

  it('stops with exit code 75 once the server has lost the events stream, and the next start makes it again', async () => {
    const { port, namespace, env } = await externalGateway();
    const first = startGatewayProcess(env);
    cleanups.push(async () => void first.child.kill('SIGKILL'));
    await waitGatewayReady(port, first);
    expect((await post(port, SYSTEM_TOKEN, event('LOST1'))).status).toBe(202);

    // As when a nats-server comes back on an empty store: the server answers, and has no stream.
    const bus = await connectBus(TEST_NATS_URL, 'check', namespace);
    cleanups.push(() => bus.close());
    await bus.jsm.streams.delete(bus.names.streams.events);
    const refused = await post(port, SYSTEM_TOKEN, event('LOST2'));
    expect(refused.status).toBe(503);
    expect(await first.exited).toEqual({ code: EXIT_START_AGAIN, signal: null });
    expect(first.logs()).toMatch(/"reason":"events_stream_lost".*a gateway start makes it again; stopping/);

    const second = startGatewayProcess(env);
    cleanups.push(async () => void second.child.kill('SIGKILL'));
    await waitGatewayReady(port, second);
    const retried = await post(port, SYSTEM_TOKEN, event('LOST2'));
    expect(retried.status).toBe(202);
    expect((await bus.jsm.streams.info(bus.names.streams.events)).state.messages).toBe(1);
    // Nothing the first process answered 202 is gone: it was in the ledger before its answer.
    expect((await ledgerRows(port, COMPLIANCE_TOKEN, 'CRASH1')).map((r) => r.seq)).toEqual([1, 2]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it.skipIf(!opensslPresent)('on SIGHUP, serves a renewed MLLP TLS certificate without a restart', async () => {
    const certs = await makeTestCertificates();
    cleanups.push(certs.remove);
    const { db, namespace } = await externalStores();
    const served = { cert: join(certs.dir, 'served.crt'), key: join(certs.dir, 'served.key') };
    await copyFile(certs.serverCert, served.cert);
    await copyFile(certs.serverKey, served.key);
    const [port, tlsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const gateway = startGatewayProcess({
      HTTP_PORT: String(port),
      MLLP_PORT: '0',
      MLLP_TLS_PORT: String(tlsPort),
      MLLP_TLS_CERT: served.cert,
      MLLP_TLS_KEY: served.key,
      MLLP_TLS_REQUIRE_CLIENT_CERT: 'false',
      MLLP_TLS_RELOAD_CHECK_S: '0',
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      BUS_NAMESPACE: namespace,
      DATA_DIR: certs.dir,
    });
    cleanups.push(async () => void gateway.child.kill('SIGKILL'));
    await waitGatewayReady(port, gateway);
    const ca = await readFile(certs.caCert);
    const servedCn = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.destroy();
        }).once('error', reject);
      });
    expect(await servedCn()).toBe('localhost');

    await copyFile(certs.renewedServerCert, served.cert);
    await copyFile(certs.renewedServerKey, served.key);
    gateway.child.kill('SIGHUP');
    let cn = await servedCn();
    for (let i = 0; i < 100 && cn !== 'localhost-renewed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cn = await servedCn();
    }
    expect(cn).toBe('localhost-renewed');
    expect(gateway.child.exitCode).toBeNull(); // SIGHUP would end a Node process that did not handle it
    // The expiry operators alert on is the renewed certificate's (valid a day longer than the first).
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const expiry = Number(/^rxgate_mllp_tls_certificate_expiry_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(expiry * 1000).toBe(Date.parse(new X509Certificate(await readFile(certs.renewedServerCert)).validTo));

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited, gateway.stderr()).toEqual({ code: 0, signal: null });
  });
});
