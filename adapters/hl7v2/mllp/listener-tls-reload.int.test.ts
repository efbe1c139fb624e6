import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMllpClient } from './client.ts';
import { MllpDeliveryError, MllpTlsConfigError } from './errors.ts';
import { frame } from './framing.ts';
import { startMllpListener } from './listener.ts';
import { CLIENT_CN, hasOpenssl, makeTestCertificates, RENEWED_CLIENT_CN, type TestCertificates } from './testkit/certs.ts';
import { captureLogs, waitFor } from './testkit/log-capture.ts';
import { rdeMessage } from './testkit/messages.ts';
import { acknowledgedIdOf, transportOnlyHandler } from './testkit/minimal-ack.ts';

const run = promisify(execFile);
const opensslPresent = await hasOpenssl();
let certs: TestCertificates;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (!opensslPresent) return;
  certs = await makeTestCertificates();
  dir = await mkdtemp(join(tmpdir(), 'rxgate-mllp-reload-'));
});
afterAll(async () => {
  await certs?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The files the listener is configured with, which a renewal overwrites in place. */
const served = () => ({ cert: join(dir, 'mllp.crt'), key: join(dir, 'mllp.key') });
async function install(cert: string, key: string): Promise<void> {
  await copyFile(cert, served().cert);
  await copyFile(key, served().key);
}

async function listenerOnServedFiles(reloadCheckMs = 0) {
  await install(certs.serverCert, certs.serverKey);
  const logs = captureLogs();
  const handler = transportOnlyHandler();
  const listener = await startMllpListener({
    handler,
    logger: logs.logger,
    port: null,
    tls: { port: 0, certFile: served().cert, keyFile: served().key, caFile: certs.caCert, requireClientCert: false, reloadCheckMs },
  });
  cleanups.push(() => listener.stop({ graceMs: 1000 }));
  return { listener, handler, logs, port: listener.address.tls!.port };
}

/** A TLS connection that has finished its handshake, with the CN of the certificate the listener presented. */
async function connectTls(port: number): Promise<{ socket: TLSSocket; serverCn: string; exchange(controlId: string): Promise<string | undefined> }> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ca: await readFile(certs.caCert) });
  cleanups.push(async () => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const exchange = (controlId: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      const received: Buffer[] = [];
      const onData = (d: Buffer) => {
        received.push(d);
        const all = Buffer.concat(received);
        if (all.includes('\x1c\r')) {
          socket.off('data', onData);
          resolve(acknowledgedIdOf(all)?.controlId);
        }
      };
      socket.on('data', onData).once('error', reject);
      socket.write(frame(Buffer.from(rdeMessage(controlId), 'latin1')));
    });
  return { socket, serverCn: String(socket.getPeerCertificate().subject.CN), exchange };
}

/** The certificate's notAfter as openssl prints it, read independently of node:crypto. */
async function notAfter(certFile: string): Promise<Date> {
  const { stdout } = await run('openssl', ['x509', '-noout', '-enddate', '-in', certFile]);
  return new Date(stdout.trim().replace(/^notAfter=/, ''));
}

describe.skipIf(!opensslPresent)('MLLP TLS certificate renewal', () => {
  it('serves the renewed certificate from the next handshake on, and open connections carry on', async () => {
    const { listener, port, logs } = await listenerOnServedFiles();
    // The test certificates are valid for two days: the start says when, and that it is soon.
    const expires = (await notAfter(certs.serverCert)).toISOString();
    expect(logs.lines.find((l) => l.msg === 'MLLP listening')).toMatchObject({ tls_certificate_expires: expires });
    expect(logs.lines.find((l) => l.reason === 'tls_certificate_expiring')).toMatchObject({ tls_certificate_expires: expires, days_left: 1 });
    const before = await connectTls(port);
    expect(before.serverCn).toBe('localhost');
    expect(await listener.reloadTls()).toBe('unchanged');
    expect(listener.tlsCertificateExpiry()).toEqual(await notAfter(certs.serverCert));

    await install(certs.renewedServerCert, certs.renewedServerKey);
    expect(await listener.reloadTls()).toBe('reloaded');
    expect(listener.tlsCertificateExpiry()).toEqual(await notAfter(certs.renewedServerCert));
    const after = await connectTls(port);
    expect(after.serverCn).toBe('localhost-renewed');
    expect(await after.exchange('RENEWED1')).toBe('RENEWED1');
    // The connection made before the renewal is still served, on its own session.
    expect(await before.exchange('BEFORE1')).toBe('BEFORE1');
    expect(await listener.reloadTls()).toBe('unchanged');
  });

  it('keeps the certificate in service when the new files do not fit together, and says which setting', async () => {
    const { listener, port } = await listenerOnServedFiles();
    // Half a renewal: the new certificate is written, its key not yet.
    await copyFile(certs.renewedServerCert, served().cert);
    const failure = await listener.reloadTls().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MllpTlsConfigError);
    expect(failure).toMatchObject({ setting: 'MLLP_TLS_CERT', file: served().cert });
    expect((failure as Error).message).toMatch(/was not put in service: .*the previous certificate stays/);
    const still = await connectTls(port);
    expect(still.serverCn).toBe('localhost');
    expect(await still.exchange('KEPT1')).toBe('KEPT1');

    // The key arrives: the next reload completes the renewal.
    await copyFile(certs.renewedServerKey, served().key);
    expect(await listener.reloadTls()).toBe('reloaded');
    expect((await connectTls(port)).serverCn).toBe('localhost-renewed');
  });

  it('notices renewed files by itself every MLLP_TLS_RELOAD_CHECK_S', async () => {
    const { port, logs } = await listenerOnServedFiles(100);
    await install(certs.renewedServerCert, certs.renewedServerKey);
    await waitFor(() => logs.text().includes('MLLP TLS certificate reloaded'), 'the periodic check to reload');
    expect((await connectTls(port)).serverCn).toBe('localhost-renewed');
  });

  it('without a TLS listener there is nothing to reload', async () => {
    const listener = await startMllpListener({ handler: transportOnlyHandler(), logger: captureLogs().logger, port: 0 });
    cleanups.push(() => listener.stop());
    expect(await listener.reloadTls()).toBe('off');
    expect(listener.tlsCertificateExpiry()).toBeUndefined();
  });

  it('our client presents a renewed client certificate from its next connection, and keeps the last good files', async () => {
    // Client certificates are asked for even when optional, and a valid one's identity is exposed.
    const { listener, handler, logs, port } = await listenerOnServedFiles();
    const files = { certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
    await copyFile(certs.clientCert, files.certFile);
    await copyFile(certs.clientKey, files.keyFile);
    const client = createMllpClient({
      host: '127.0.0.1',
      port,
      logger: logs.logger,
      tls: { caFile: certs.caCert, ...files },
      idleCloseMs: 50, // each send below opens a connection of its own
      answerTimeoutMs: 2000,
    });
    cleanups.push(() => client.close());
    const send = async (controlId: string) => {
      await waitFor(() => listener.connectionCount() === 0, 'the previous connection to close');
      await client.send(Buffer.from(rdeMessage(controlId), 'latin1'), (a) => acknowledgedIdOf(a)?.controlId === controlId);
      return handler.calls.at(-1)!.conn.peerIdentity;
    };
    expect(await send('CLIENT1')).toBe(CLIENT_CN);

    await copyFile(certs.renewedClientCert, files.certFile);
    await copyFile(certs.renewedClientKey, files.keyFile);
    expect(await send('CLIENT2')).toBe(RENEWED_CLIENT_CN);

    // A renewal caught half way: a certificate whose key is not there yet, then no key file at all.
    await copyFile(certs.clientKey, files.keyFile);
    expect(await send('CLIENT3')).toBe(RENEWED_CLIENT_CN);
    await unlink(files.keyFile);
    expect(await send('CLIENT4')).toBe(RENEWED_CLIENT_CN);
    expect(logs.lines.filter((l) => l.reason === 'tls_reload_failed')).toHaveLength(2);
  });

  it('a client whose files were never readable fails each attempt as a connection failure naming the file', async () => {
    const client = createMllpClient({
      host: '127.0.0.1',
      port: 9, // never reached: the files are read first
      logger: captureLogs().logger,
      tls: { caFile: certs.caCert, certFile: join(dir, 'missing.crt'), keyFile: certs.clientKey },
      retry: { attempts: 2, initialDelayMs: 1 },
    });
    cleanups.push(() => client.close());
    const failure = await client.send(Buffer.from(rdeMessage('NOFILES'), 'latin1'), () => true).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MllpDeliveryError);
    const attempts = (failure as MllpDeliveryError).attempts;
    expect(attempts.map((a) => a.outcome)).toEqual(['connect_failed', 'connect_failed']);
    expect(attempts[0]!.detail).toContain(join(dir, 'missing.crt'));
  });
});
