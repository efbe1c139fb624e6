import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { connectBus } from '../../gateway/bus/connection.ts';
import { freeLoopbackPort } from '../../gateway/bus/embedded-nats.ts';
import { deleteNamespace, testNamespace, TEST_NATS_URL } from '../../gateway/bus/test-support.ts';
import { createLogger } from '../../gateway/log.ts';
import { startGatewayProcess, waitGatewayReady, type GatewayProcess } from '../../gateway/process-test-support.ts';
import { createTestDatabase } from '../../gateway/store/test-support.ts';
import { readAck } from './ack-read.ts';
import { createMllpClient } from './mllp/client.ts';
import { startNodeHl7ServerPeer } from './mllp/testkit/node-hl7-server-peer.ts';
import { controlIdForEvent } from './outbound/rds-builder.ts';
import { parseMessage } from './parse.ts';
import { handWrittenRds } from './testing/rds-message.ts';

/**
 * The delivery promise with the gateway process killed. An EHR interface engine sends controlled-substance
 * dispenses (hydrocodone, schedule II) over four MLLP connections, each waiting for the ACK of a message before
 * sending the next and sending a message again until it is answered, as interface engines do. The gateway dies three
 * times while messages are in flight and is started again on the same ports: first right after a JetStream PubAck,
 * before the ledger write (TEST_CRASH_AFTER_PUBACK), then twice by SIGKILL at whichever step each message has
 * reached — frame read, published, PubAck, ledger commit, ACK written.
 *
 * Afterwards every message is in the ledger exactly once and in the order its connection sent it, the JetStream
 * stream holds each event once, nothing was quarantined, the facility's chain verifies, every message's last
 * answer is AA, and the facility's EHR (node-hl7-server) has every dispense back, each under one MSH-10.
 */

const CONNECTIONS = 4;
const MESSAGES_PER_CONNECTION = 60;
/** kill -9 when this many messages have been answered AA */
const KILL_AFTER_ANSWERS = [50, 140];
const FACILITY = 'KILLRX';
const ANALYST_TOKEN = 'analyst-token-0123456789';
const COMPLIANCE_TOKEN = 'compliance-token-0123456789';

describe('HL7 v2 over MLLP with the gateway killed mid-stream', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('every dispense sent is in the ledger once, in order, and answered AA, after a crash past the PubAck and two kill -9s', async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const namespace = testNamespace();
    cleanups.push(async () => {
      const bus = await connectBus(TEST_NATS_URL, 'cleanup', namespace);
      await deleteNamespace(bus);
      await bus.close();
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [httpPort, mllpPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const ehr = await startNodeHl7ServerPeer(); // the facility's EHR, which takes the dispenses back as RDS^O13
    cleanups.push(() => ehr.close());
    const env = {
      HTTP_PORT: String(httpPort),
      MLLP_PORT: String(mllpPort),
      DATA_DIR: dataDir, // the PHI keys, made by the first start and read by the next ones
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      BUS_NAMESPACE: namespace,
      INSTANCE_ID: 'kill-test',
      ACK_WAIT_MS: '2000', // the ledger writer's unacknowledged deliveries come back 2 s after a kill
      HL7_FACILITY_MAP: `HOSP1=${FACILITY}`,
      HL7_OUTBOUND_TARGETS: `${FACILITY}=127.0.0.1:${ehr.port},app=EHR,facility=HOSP1`,
      AUTH_TOKENS: `analyst:${ANALYST_TOKEN},compliance:${COMPLIANCE_TOKEN}`,
    };
    // A first start makes the schema and the keys and takes the drug mapping; it stops cleanly.
    let gateway: GatewayProcess = startGatewayProcess(env);
    cleanups.push(async () => void gateway.child.kill('SIGKILL'));
    await waitGatewayReady(httpPort, gateway);
    await seedHydrocodone(httpPort);
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);

    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    cleanups.push(async () => void (await sql.end()));
    const bus = await connectBus(TEST_NATS_URL, 'check', namespace);
    cleanups.push(() => bus.close());
    const ledgerCount = async () => (await sql<{ n: number }[]>`select count(*)::int as n from ledger where chain = ${FACILITY}`)[0]!.n;
    const streamSubjects = async () =>
      (await bus.jsm.streams.info(bus.names.streams.events, { subjects_filter: `${namespace}.ev.*.*.${FACILITY}.>` })).state.subjects ?? {};
    const streamCount = async () => Object.values(await streamSubjects()).reduce((a, b) => a + b, 0);

    const answers = new Map<string, string[]>(); // control id → every answer code it got
    let answeredAa = 0;
    let inFlight = 0;
    const sendAll = async (connection: number) => {
      const client = createMllpClient({
        host: '127.0.0.1',
        port: mllpPort,
        logger: createLogger('silent'),
        answerTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        // an interface engine retries for as long as it takes: here up to ~2 minutes, past any restart
        retry: { attempts: 600, initialDelayMs: 50, multiplier: 1.5, maxDelayMs: 250, jitter: 0.5 },
      });
      try {
        for (let i = 0; i < MESSAGES_PER_CONNECTION; i++) {
          const controlId = controlIdOf(connection, i);
          inFlight++;
          // Each send ends in an answer to this message; a lost connection or an answer timeout is retried by the
          // client on a new connection, and an answer other than AA is sent again here.
          for (let answered = 1; ; answered++) {
            const { answer } = await client.send(Buffer.from(handWrittenRds(controlId), 'latin1'), (a) => readAck(a)?.controlId === controlId);
            const code = readAck(answer)!.code;
            answers.set(controlId, [...(answers.get(controlId) ?? []), code]);
            if (code === 'AA') break;
            if (answered >= 100) throw new Error(`${controlId}: ${answered} answers, none AA: ${answers.get(controlId)!.join(' ')}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          inFlight--;
          answeredAa++;
        }
      } finally {
        await client.close();
      }
    };

    // The senders start against a gateway that kills itself right after its first JetStream PubAck: an event is
    // on the bus, none is in the ledger, and no sender has its answer.
    gateway = startGatewayProcess({ ...env, TEST_CRASH_AFTER_PUBACK: 'true' });
    const senders = Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => sendAll(c)));
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(answeredAa).toBe(0);
    expect(await ledgerCount()).toBe(0);
    expect(await streamCount()).toBeGreaterThan(0);
    gateway = startGatewayProcess(env);
    await waitGatewayReady(httpPort, gateway);

    // Then kill -9 at moments the test does not choose: whatever step each message in flight has reached.
    const inFlightAtKill: number[] = [];
    for (const threshold of KILL_AFTER_ANSWERS) {
      const deadline = Date.now() + 120_000;
      while (answeredAa < threshold && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      inFlightAtKill.push(inFlight);
      gateway.child.kill('SIGKILL');
      expect((await gateway.exited).signal).toBe('SIGKILL');
      gateway = startGatewayProcess(env);
      await waitGatewayReady(httpPort, gateway);
    }
    await senders;

    expect(inFlightAtKill).toHaveLength(KILL_AFTER_ANSWERS.length);
    for (const waiting of inFlightAtKill) expect(waiting).toBeGreaterThan(0); // each kill cut messages off mid-way
    const sent = Array.from({ length: CONNECTIONS }, (_, c) => Array.from({ length: MESSAGES_PER_CONNECTION }, (_, i) => controlIdOf(c, i))).flat();
    expect([...answers.keys()].sort()).toEqual([...sent].sort());
    for (const id of sent) expect(answers.get(id)!.at(-1), id).toBe('AA');

    const rows = await sql<{ seq: number; event_id: string; message_id: string; type: string }[]>`
      select seq::int as seq, event_id::text as event_id, event->'source'->>'message_id' as message_id, type from ledger where chain = ${FACILITY} order by seq`;
    expect(rows.every((r) => r.type === 'rx.dispense')).toBe(true);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...sent].sort()); // each once: no gap, no second row
    const seqOf = new Map(rows.map((r) => [r.message_id, r.seq]));
    for (let c = 0; c < CONNECTIONS; c++) {
      const seqs = Array.from({ length: MESSAGES_PER_CONNECTION }, (_, i) => seqOf.get(controlIdOf(c, i))!);
      expect(seqs, `connection ${c} in the order sent`).toEqual([...seqs].sort((a, b) => a - b));
    }

    // On the bus too, each event once (a message sent again is published under the same id, inside JetStream's
    // duplicate window), and nothing was refused.
    expect(Object.keys(await streamSubjects())).toEqual([expect.stringMatching(/\.rx\.dispense$/)]);
    expect(await streamCount()).toBe(sent.length);
    expect((await bus.jsm.streams.info(bus.names.streams.quarantine)).state.messages).toBe(0);

    // The EHR gets every dispense, each under the one MSH-10 its event gives it however often a restart makes the
    // gateway send it again, and in each connection's order.
    const controlIdOfEvent = new Map(rows.map((r) => [controlIdForEvent(r.event_id), r.message_id]));
    const firstArrivals = () => [...new Set(ehr.received.map((text) => parseMessage(text).controlId))];
    for (let i = 0; i < 600 && firstArrivals().length < sent.length; i++) await new Promise((r) => setTimeout(r, 100));
    const arrived = firstArrivals().map((id) => controlIdOfEvent.get(id) ?? `unknown MSH-10 ${id}`);
    expect([...arrived].sort()).toEqual([...sent].sort());
    for (let c = 0; c < CONNECTIONS; c++) {
      const own = arrived.filter((id) => id.startsWith(`KILL${c}-`));
      expect(own, `connection ${c} in the order sent, at the EHR`).toEqual([...own].sort());
    }

    const verify = await fetch(`http://127.0.0.1:${httpPort}/api/ledger/verify?facility=${FACILITY}`, {
      headers: { authorization: `Bearer ${COMPLIANCE_TOKEN}` },
    });
    expect(await verify.json()).toMatchObject({ ok: true });

    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
  }, 240_000);
});

function controlIdOf(connection: number, i: number): string {
  return `KILL${connection}-${String(i).padStart(3, '0')}`;
}

/** The drug and its DEA schedule, through the mappings API, so the dispenses reach the ledger instead of parking. */
async function seedHydrocodone(httpPort: number): Promise<void> {
  const post = async (table: string, data: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/mappings/${table}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ANALYST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'kill test', data }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  };
  await post('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' });
  await post('schedules', { ndc11: '00591036901', schedule: 'II' });
}
