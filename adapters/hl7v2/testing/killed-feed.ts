import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { expect } from 'vitest';
import { connectBus, type Bus } from '../../../gateway/bus/connection.ts';
import { freeLoopbackPort } from '../../../gateway/bus/embedded-nats.ts';
import { createLogger } from '../../../gateway/log.ts';
import { freshExternalStores, freshNamespace, startGatewayProcess, waitGatewayReady, type GatewayProcess } from '../../../gateway/process-test-support.ts';
import { readAck } from '../ack-read.ts';
import { createMllpClient } from '../mllp/client.ts';
import { MllpDeliveryError } from '../mllp/errors.ts';
import { startNodeHl7ServerPeer, type NodeHl7ServerPeer } from '../mllp/testkit/node-hl7-server-peer.ts';
import { controlIdForEvent } from '../outbound/rds-builder.ts';
import { parseMessage } from '../parse.ts';
import { handWrittenRds } from './rds-message.ts';

/**
 * Test support for the tests that kill a process under an HL7 feed (`kill.int.test.ts`, `crash.int.test.ts`): an EHR
 * interface engine sending controlled-substance dispenses (hydrocodone, schedule II) over four MLLP connections,
 * each waiting for the ACK of a message before sending the next and sending a message again until it is answered
 * AA, as interface engines do (the messages of one connection hold two dispenses each); the facility's EHR
 * (node-hl7-server) taking the dispenses back as RDS^O13; and the checks made afterwards: every dispense once in the
 * ledger and in its connection's order, each event once in the stream, nothing quarantined, the facility's chain
 * verified, every message's last answer AA, and every dispense at the EHR under the one MSH-10 its event gives it,
 * in each connection's order.
 */

/** what a test's cleanup steps are pushed to, run in reverse after the file */
export type Cleanups = (() => Promise<unknown>)[];

const CONNECTIONS = 4;
const MESSAGES_PER_CONNECTION = 60;
/** a kill when this many messages have been answered AA */
export const KILL_AFTER_ANSWERS = [50, 140];
export const FACILITY = 'KILLRX';
const ANALYST_TOKEN = 'analyst-token-0123456789';
const COMPLIANCE_TOKEN = 'compliance-token-0123456789';
const SENT = Array.from({ length: CONNECTIONS }, (_, c) => Array.from({ length: MESSAGES_PER_CONNECTION }, (_, i) => controlIdOf(c, i))).flat();
/** The last connection sends two dispenses per message (two ORC/RXD groups): a kill can fall between their publishes. */
const TWO_DISPENSES = `KILL${CONNECTIONS - 1}-`;
/** The message id of every dispense event expected, once each. */
const DISPENSES = SENT.flatMap((id) => (id.startsWith(TWO_DISPENSES) ? [id, id] : [id]));

/**
 * The gateway's settings for the feed, the EHR and the checks: its ports, its data folder (the PHI keys, made by
 * the first start and read by the next ones), the facility, the EHR as outbound target, the tokens.
 */
function feedSettings(o: { httpPort: number; mllpPort: number; dataDir: string; ehrPort: number }): Record<string, string> {
  return {
    HTTP_PORT: String(o.httpPort),
    MLLP_PORT: String(o.mllpPort),
    DATA_DIR: o.dataDir,
    INSTANCE_ID: 'kill-test',
    HL7_FACILITY_MAP: `HOSP1=${FACILITY}`,
    HL7_OUTBOUND_TARGETS: `${FACILITY}=127.0.0.1:${o.ehrPort},app=EHR,facility=HOSP1`,
    AUTH_TOKENS: `analyst:${ANALYST_TOKEN},compliance:${COMPLIANCE_TOKEN}`,
  };
}

/**
 * A fresh database (on the shared PostgreSQL unless `databaseUrl` names one), bus namespace, data folder, ports
 * and EHR; the gateway's settings for them.
 */
export async function setUpFeedTarget(cleanups: Cleanups, natsUrl: string, databaseUrl?: string) {
  const onCleanup = (c: () => Promise<unknown>) => cleanups.push(c);
  const { db, namespace } = databaseUrl === undefined
    ? await freshExternalStores(natsUrl, onCleanup)
    : { db: { url: databaseUrl }, namespace: freshNamespace(natsUrl, onCleanup) };
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-kill-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const [httpPort, mllpPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const ehr = await startNodeHl7ServerPeer();
  cleanups.push(() => ehr.close());
  const env = { ...feedSettings({ httpPort, mllpPort, dataDir, ehrPort: ehr.port }), DATABASE_URL: db.url, NATS_URL: natsUrl, BUS_NAMESPACE: namespace };
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  cleanups.push(() => sql.end());
  return { env, httpPort, mllpPort, ehr, sql, namespace };
}

/**
 * The same for a gateway in embedded mode (PGlite and its own nats-server, on NATS_EMBEDDED_PORT, in a fresh data
 * folder), prepared (prepareGateway). A killed gateway leaves its nats-server running until its next start stops
 * it; the cleanup stops the last one.
 */
export async function setUpEmbeddedFeedTarget(cleanups: Cleanups) {
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-kill-embedded-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const natsPid = async () => Number(await readFile(join(dataDir, 'nats', 'nats-server.pid'), 'utf8').catch(() => ''));
  cleanups.push(async () => {
    const pid = await natsPid();
    if (pid > 0) process.kill(pid, 'SIGKILL');
  });
  const [httpPort, mllpPort, natsPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const ehr = await startNodeHl7ServerPeer();
  cleanups.push(() => ehr.close());
  const env = { ...feedSettings({ httpPort, mllpPort, dataDir, ehrPort: ehr.port }), NATS_EMBEDDED_PORT: String(natsPort) };
  await prepareGateway(cleanups, env, httpPort);
  return { env, httpPort, mllpPort, natsUrl: `nats://127.0.0.1:${natsPort}`, natsPid, ehr };
}

/** setUpFeedTarget and prepareGateway, then the gateway started at ACK_POINT=`ackPoint`, ready. */
export async function startFedGateway(cleanups: Cleanups, o: { natsUrl: string; ackPoint: string; databaseUrl?: string }) {
  const setting = await setUpFeedTarget(cleanups, o.natsUrl, o.databaseUrl);
  const env = { ...setting.env, ACK_POINT: o.ackPoint };
  await prepareGateway(cleanups, env, setting.httpPort);
  const gateway = startGatewayProcess(env);
  cleanups.push(async () => void gateway.child.kill('SIGKILL'));
  await waitGatewayReady(setting.httpPort, gateway);
  return { ...setting, env, gateway };
}

/** A first start makes the schema and the keys and takes the drug mapping; it stops cleanly. */
export async function prepareGateway(cleanups: Cleanups, env: Record<string, string>, httpPort: number): Promise<void> {
  const gateway = startGatewayProcess(env);
  cleanups.push(async () => void gateway.child.kill('SIGKILL'));
  await waitGatewayReady(httpPort, gateway);
  await seedHydrocodone(httpPort);
  gateway.child.kill('SIGTERM');
  expect((await gateway.exited).code).toBe(0);
}

export interface Feed {
  /** control id → every answer code it got */
  readonly answers: ReadonlyMap<string, string[]>;
  answeredAa(): number;
  /** resolves, with how many messages are waiting for their answer, once `count` have been answered AA (or after two minutes) */
  until(count: number): Promise<number>;
  readonly done: Promise<void>;
}

/**
 * The interface engine: four connections, each sending its messages in order, each one until it is answered AA.
 * With more than one port it fails over, as an engine with a standby address does: a connection that cannot get
 * an answer within a few attempts moves to the next port and sends the message there.
 */
export function startFeed(...mllpPorts: number[]): Feed {
  const answers = new Map<string, string[]>();
  let answeredAa = 0;
  let inFlight = 0;
  const clientFor = (port: number) =>
    createMllpClient({
      host: '127.0.0.1',
      port,
      logger: createLogger('silent'),
      answerTimeoutMs: 5000,
      connectTimeoutMs: 2000,
      // an interface engine retries for as long as it takes: here up to ~2 minutes, past any restart; ~1.5 s
      // before moving to a standby
      retry: { attempts: mllpPorts.length > 1 ? 8 : 600, initialDelayMs: 50, multiplier: 1.5, maxDelayMs: 250, jitter: 0.5 },
    });
  const sendAll = async (connection: number) => {
    let port = 0;
    let client = clientFor(mllpPorts[port]!);
    try {
      for (let i = 0; i < MESSAGES_PER_CONNECTION; i++) {
        const controlId = controlIdOf(connection, i);
        inFlight++;
        // Each send ends in an answer to this message; a lost connection or an answer timeout is retried by the
        // client on a new connection, and an answer other than AA (AR 207 "resend" while the bus is away) is
        // sent again here.
        for (let answered = 1; ; answered++) {
          let answer: Uint8Array;
          try {
            ({ answer } = await client.send(Buffer.from(rdsMessage(controlId), 'latin1'), (a) => readAck(a)?.controlId === controlId));
          } catch (err) {
            if (!(err instanceof MllpDeliveryError) || mllpPorts.length === 1) throw err;
            await client.close();
            port = (port + 1) % mllpPorts.length;
            client = clientFor(mllpPorts[port]!);
            continue;
          }
          const code = readAck(answer)!.code;
          answers.set(controlId, [...(answers.get(controlId) ?? []), code]);
          if (code === 'AA') break;
          if (answered >= 300) throw new Error(`${controlId}: ${answered} answers, none AA: ${answers.get(controlId)!.join(' ')}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        inFlight--;
        answeredAa++;
      }
    } finally {
      await client.close();
    }
  };
  const done = Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => sendAll(c))).then(() => undefined);
  return {
    answers,
    answeredAa: () => answeredAa,
    async until(count) {
      const deadline = Date.now() + 120_000;
      while (answeredAa < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      return inFlight;
    },
    done,
  };
}

export async function expectEachDispenseOnce(o: { feed: Feed; bus: Bus; ehr: NodeHl7ServerPeer; httpPort: number }) {
  expect([...o.feed.answers.keys()].sort()).toEqual([...SENT].sort());
  for (const id of SENT) expect(o.feed.answers.get(id)!.at(-1), id).toBe('AA');

  // The ledger as a compliance officer reads it (GET /api/ledger). At ACK_POINT=bus the last answers can come
  // before their rows.
  let rows = await ledgerEntries(o.httpPort);
  for (let i = 0; i < 300 && rows.length < DISPENSES.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    rows = await ledgerEntries(o.httpPort);
  }
  expect(rows.every((r) => r.type === 'rx.dispense')).toBe(true);
  expect(rows.map((r) => r.message_id).sort()).toEqual([...DISPENSES].sort()); // each once: no gap, no second row
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  expectConnectionOrder(rows.map((r) => r.message_id), 'in the ledger');

  // On the bus too, each event once (a message sent again is published under the same id, inside JetStream's
  // duplicate window), and nothing was refused.
  const subjects = await streamSubjects(o.bus);
  expect(Object.keys(subjects)).toEqual([expect.stringMatching(/\.rx\.dispense$/)]);
  expect(await streamCount(o.bus)).toBe(DISPENSES.length);
  expect((await o.bus.jsm.streams.info(o.bus.names.streams.quarantine)).state.messages).toBe(0);

  // The EHR gets every dispense, each under the one MSH-10 its event gives it however often it was sent again.
  const messageIdOfControlId = new Map(rows.map((r) => [controlIdForEvent(r.event_id), r.message_id]));
  const firstArrivals = () => [...new Set(o.ehr.received.map((text) => parseMessage(text).controlId))];
  for (let i = 0; i < 600 && firstArrivals().length < DISPENSES.length; i++) await new Promise((r) => setTimeout(r, 100));
  const arrived = firstArrivals().map((id) => messageIdOfControlId.get(id) ?? `unknown MSH-10 ${id}`);
  expect([...arrived].sort()).toEqual([...DISPENSES].sort());
  expectConnectionOrder(arrived, 'at the EHR');

  const verify = await fetch(`http://127.0.0.1:${o.httpPort}/api/ledger/verify?facility=${FACILITY}`, {
    headers: { authorization: `Bearer ${COMPLIANCE_TOKEN}` },
  });
  expect(await verify.json()).toMatchObject({ ok: true });
}

/** expectEachDispenseOnce on a bus connection of its own, then the gateway stopped cleanly. */
export async function expectEachDispenseOnceThenStop(o: { feed: Feed; natsUrl: string; namespace?: string; ehr: NodeHl7ServerPeer; httpPort: number; gateway: GatewayProcess }) {
  const bus = await connectBus(o.natsUrl, 'check', o.namespace);
  try {
    await expectEachDispenseOnce({ feed: o.feed, bus, ehr: o.ehr, httpPort: o.httpPort });
  } catch (err) {
    // What the gateway logged last (never content: the logs hold ids and codes) says why, more than a status does.
    const errors = o.gateway.logs().split('\n').filter((line) => /"level":(40|50|60)/.test(line)).slice(-8);
    if (err instanceof Error && errors.length > 0) err.message += `\nthe gateway's last warning and error lines:\n${errors.join('\n')}`;
    throw err;
  } finally {
    await bus.close();
  }
  o.gateway.child.kill('SIGTERM');
  expect((await o.gateway.exited).code).toBe(0);
}

/** Each connection's messages appear in `ids` in the order that connection sent them. */
function expectConnectionOrder(ids: string[], where: string): void {
  for (let c = 0; c < CONNECTIONS; c++) {
    const own = ids.filter((id) => id.startsWith(`KILL${c}-`));
    expect(own, `connection ${c}'s messages ${where}, in the order sent`).toEqual([...own].sort());
  }
}

/** handWrittenRds, with a second order group (ORC + RXD: 10 more tablets, RX-779) on the last connection. */
function rdsMessage(controlId: string): string {
  const one = handWrittenRds(controlId);
  if (!controlId.startsWith(TWO_DISPENSES)) return one;
  return `${one}\rORC|RE|ORD-2|FIL-2\rRXD|1|00591-0369-01^Hydrocodone 5mg/APAP 325mg^NDC|20261121101000|10|TAB^tablet^HL70292||RX-779|||1234567893^DISPENSER^DAN||||||||LOT-9|20271231`;
}

function controlIdOf(connection: number, i: number): string {
  return `KILL${connection}-${String(i).padStart(3, '0')}`;
}

export async function ledgerCount(sql: postgres.Sql): Promise<number> {
  return (await sql<{ n: number }[]>`select count(*)::int as n from ledger where chain = ${FACILITY}`)[0]!.n;
}

/** The facility's chain in ledger order, through GET /api/ledger (pages of 500). */
async function ledgerEntries(httpPort: number): Promise<{ seq: number; event_id: string; message_id: string; type: string }[]> {
  type Page = { entries: { seq: number; event_id: string; type: string; event: { source: { message_id: string } } }[]; next_after?: number };
  const entries: Page['entries'] = [];
  let after: number | undefined;
  do {
    const url = `http://127.0.0.1:${httpPort}/api/ledger?facility=${FACILITY}&limit=500${after === undefined ? '' : `&after=${after}`}`;
    let res = await fetch(url, { headers: { authorization: `Bearer ${COMPLIANCE_TOKEN}` } });
    // Right after a PostgreSQL crash the pool may still be reconnecting: the API says 503 and when to come back.
    for (let i = 0; i < 10 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      res = await fetch(url, { headers: { authorization: `Bearer ${COMPLIANCE_TOKEN}` } });
    }
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as Page;
    entries.push(...page.entries);
    after = page.next_after;
  } while (after !== undefined);
  return entries.map((e) => ({ seq: e.seq, event_id: e.event_id, type: e.type, message_id: e.event.source.message_id }));
}

async function streamSubjects(bus: Bus): Promise<Record<string, number>> {
  const prefix = bus.names.subjects.eventsAll.slice(0, -1); // `<ns>.ev.`
  const info = await bus.jsm.streams.info(bus.names.streams.events, { subjects_filter: `${prefix}*.*.${FACILITY}.>` });
  return info.state.subjects ?? {};
}

export async function streamCount(bus: Bus): Promise<number> {
  return Object.values(await streamSubjects(bus)).reduce((a, b) => a + b, 0);
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
