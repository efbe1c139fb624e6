import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQuarantine } from './bus/quarantine.ts';
import { ensureStreams } from './bus/streams.ts';
import { TEST_NATS_URL } from './bus/test-support.ts';
import { createLogger } from './log.ts';
import type { RunningGateway } from './main.ts';
import { startOutageProxy, type OutageProxy } from './outage-proxy.ts';
import { listLedger } from './store/ledger.ts';
import { TEST_DATABASE_URL } from './store/test-support.ts';
import { startTestGateway, type TestGatewayRoutes } from './test-support.ts';
import { connectNodeHl7Client, type Hl7ClientAck, type NodeHl7ClientSender } from '../adapters/hl7v2/mllp/testkit/node-hl7-client-sender.ts';
import { handWrittenRds, RDS_PATIENT } from '../adapters/hl7v2/testing/rds-message.ts';

/**
 * The delivery promise when a server goes away (DESIGN §2): while PostgreSQL or NATS cannot be reached a sender is
 * told to resend — HL7 AR with an ERR, HTTP 503 with Retry-After — never AA, and never left without an answer; once
 * the server is back, the resend is acknowledged and the event is in the ledger exactly once. The servers are taken
 * away from this gateway alone, by cutting a loopback relay between them (outage-proxy.ts); node-hl7-client is the
 * HL7 sender. The same promise holds when the bus is there but has no room: a stream at its size limit.
 */

const ACK_TIMEOUT_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SYSTEM_TOKEN = 'system-token-0123456789';
const ANALYST_TOKEN = 'analyst-token-0123456789';
const COMPLIANCE_TOKEN = 'compliance-token-0123456789';

interface OutageCase {
  gw: RunningGateway;
  baseUrl: string;
  logLines: string[];
  sender: NodeHl7ClientSender;
  stop(): Promise<void>;
}

async function startCase(via: TestGatewayRoutes, env: Record<string, string> = {}): Promise<OutageCase> {
  const logLines: string[] = [];
  const { gw, baseUrl, stop } = await startTestGateway(
    { HL7_FACILITY_MAP: 'HOSP1=HOSP1', ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), LOG_LEVEL: 'info', AUTH_TOKENS: `system:${SYSTEM_TOKEN},analyst:${ANALYST_TOKEN},compliance:${COMPLIANCE_TOKEN}`, ...env },
    createLogger('info', { write: (line: string) => void logLines.push(line) }),
    via,
  );
  const ctx = { actor: 'analyst:test', reason: 'test fixture' };
  await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
  await gw.mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'II' }, ctx);
  // Generous: what is checked is how long the gateway takes to answer, not the sender's patience.
  const sender = await connectNodeHl7Client({ port: gw.mllp.port!, ackTimeoutMs: 30_000 });
  return {
    gw,
    baseUrl,
    logLines,
    sender,
    stop: async () => {
      await sender.close();
      await stop();
    },
  };
}

/** What a sender does when told to resend: try again every 250 ms until `settled`, for at most `withinMs`. */
async function retryUntil<T>(attempt: () => Promise<T>, settled: (answer: T) => boolean, withinMs: number): Promise<{ answer: T; attempts: number }> {
  const deadline = Date.now() + withinMs;
  for (let attempts = 1; ; attempts++) {
    const answer = await attempt();
    if (settled(answer) || Date.now() > deadline) return { answer, attempts };
    await sleep(250);
  }
}

/** An HL7 sender after AR: the same message again until AA. */
async function resendUntilAccepted(sender: NodeHl7ClientSender, message: string, withinMs: number): Promise<{ ack: Hl7ClientAck; attempts: number }> {
  const { answer, attempts } = await retryUntil(() => sender.send(message), (ack) => ack.code === 'AA', withinMs);
  return { ack: answer, attempts };
}

/**
 * Cuts NATS away and waits (at most 2 s) until the gateway's client has seen the connection go: a message that
 * arrives in the same instant can still be sent on the dying connection and wait out a request timeout.
 */
async function cutNats(proxy: OutageProxy, gw: RunningGateway): Promise<void> {
  await proxy.cut();
  for (let waited = 0; gw.bus.publisher.isConnected && waited < 2000; waited += 10) await sleep(10);
  expect(gw.bus.publisher.isConnected).toBe(false);
}

/** Signs in to the web UI with `token` as a browser does (login form, CSRF field, cookie); returns its GET. */
async function uiSession(baseUrl: string, token: string): Promise<(path: string) => Promise<Response>> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
    }
    return res;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const form = await keep(await fetch(`${baseUrl}/ui/login`)).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
  const signedIn = keep(
    await fetch(`${baseUrl}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, _csrf: csrf }),
    }),
  );
  expect(signedIn.status).toBe(303);
  return (path) => fetch(`${baseUrl}${path}`, { headers: { cookie: cookie() }, redirect: 'manual' });
}

/**
 * An analyst's page before, during and after an outage: 200, then 503 "Try again in a moment" naming what is `away`
 * and when to come back, then 200 again once the server is back.
 */
async function expectPageThroughOutage(c: OutageCase, path: string, away: string, outage: { cut(): Promise<void>; restore(): Promise<void> }): Promise<void> {
  const ui = await uiSession(c.baseUrl, ANALYST_TOKEN);
  expect((await ui(path)).status).toBe(200);
  await outage.cut();
  try {
    const page = await ui(path);
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    const html = await page.text();
    expect(html).toContain('<title>Try again in a moment');
    expect(html).toContain(`The gateway cannot reach its ${away} just now`);
  } finally {
    await outage.restore();
  }
  const { answer } = await retryUntil(() => ui(path), (page) => page.status === 200, 10_000);
  expect(answer.status).toBe(200);
}

async function dispensesOf(gw: RunningGateway, controlId: string) {
  const { entries } = await listLedger(gw.store, { facility: 'HOSP1', limit: 1000 });
  return entries.filter((e) => e.event.source.message_id === controlId);
}

/**
 * Four connections each send their messages one after another (resending each until AA) while the server is taken
 * away for `outageMs` once some have been accepted. Every message must end with AA and exactly one ledger row.
 */
async function sendThroughOutage(c: OutageCase, proxy: OutageProxy, prefix: string, outageMs: number): Promise<{ refused: number; recoveredMs: number }> {
  const senders = [c.sender, ...(await Promise.all([1, 2, 3].map(() => connectNodeHl7Client({ port: c.gw.mllp.port!, ackTimeoutMs: 30_000 }))))];
  const ids = senders.map((_, k) => Array.from({ length: 25 }, (_, i) => `${prefix}-${k}-${i}`));
  let accepted = 0;
  let refused = 0;
  let recoveredMs = Number.NaN;
  try {
    const sending = Promise.all(
      senders.map(async (sender, k) => {
        for (const id of ids[k]!) {
          const { ack, attempts } = await resendUntilAccepted(sender, handWrittenRds(id), 30_000);
          expect(ack).toMatchObject({ code: 'AA', controlId: id });
          accepted += 1;
          refused += attempts - 1;
        }
      }),
    );
    for (let waited = 0; accepted < 10 && waited < 10_000; waited += 20) await sleep(20);
    await proxy.cut();
    await sleep(outageMs);
    await proxy.restore();
    const restored = Date.now();
    await sending;
    recoveredMs = Date.now() - restored;
  } finally {
    await Promise.all(senders.slice(1).map((s) => s.close()));
  }
  // At ACK_POINT=bus an answer does not wait for the ledger: give the writer the time a lost delivery takes.
  let rows: Awaited<ReturnType<typeof listLedger>>['entries'] = [];
  for (let waited = 0; waited < 15_000; waited += 250) {
    rows = (await listLedger(c.gw.store, { facility: 'HOSP1', limit: 1000 })).entries.filter((e) => e.event.source.message_id.startsWith(`${prefix}-`));
    if (rows.length >= ids.flat().length) break;
    await sleep(250);
  }
  const rowsPerId = new Map<string, number>();
  for (const e of rows) rowsPerId.set(e.event.source.message_id, (rowsPerId.get(e.event.source.message_id) ?? 0) + 1);
  expect([...rowsPerId.keys()].sort()).toEqual(ids.flat().sort());
  expect([...rowsPerId.values()].every((n) => n === 1)).toBe(true);
  // Each sender sent its messages one after another, each after the answer to the one before: the chain has them
  // in that order.
  const seqOf = new Map(rows.map((e) => [e.event.source.message_id, e.seq]));
  for (const own of ids) expect(own.map((id) => seqOf.get(id)!)).toEqual(own.map((id) => seqOf.get(id)!).sort((a, b) => a - b));
  return { refused, recoveredMs };
}

/** A dispense through the HTTP API, as a pharmacy system posts it. */
function postDispense(c: OutageCase, messageId: string): Promise<Response> {
  return fetch(`${c.baseUrl}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SYSTEM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'rx.dispense',
      facility_id: 'HOSP1',
      occurred_at: '2026-11-21T10:00:00Z',
      source: { adapter: 'api', sender: 'PHARM^HOSP1', message_id: messageId },
      drug: { ndc11: '00591036901', schedule: 'II' },
      quantity: { value: 30, unit: 'TAB' },
      payload: { prescription_number: `RX-${messageId}` },
    }),
  });
}

function expectResendAr(ack: Hl7ClientAck, controlId: string): void {
  expect(ack).toMatchObject({ code: 'AR', controlId });
  // ERR-3 is 207 (application internal error) from HL7 table 0357; MSA-3 tells the sender what to do.
  const segments = ack.text.split('\r');
  expect(segments.find((s) => s.startsWith('MSA|'))).toContain('resend');
  expect(segments.find((s) => s.startsWith('ERR|'))?.split('|')[3]).toMatch(/^207\^/);
}

function expectNoPhi(logLines: string[]): void {
  for (const line of logLines) {
    expect(line).not.toContain(RDS_PATIENT.mrn);
    expect(line).not.toContain(RDS_PATIENT.family);
  }
}

/**
 * A gateway reaching one server through a relay, for the tests of one describe block: started before them, given
 * back its server and stopped after them. `started` hands the relay and the case to the block's variables.
 */
function behindRelay(route: keyof TestGatewayRoutes, env: Record<string, string>, started: (relay: OutageProxy, c: OutageCase) => void): void {
  let relay: OutageProxy | undefined;
  let c: OutageCase | undefined;
  beforeAll(async () => {
    const [url, defaultPort] = route === 'databasePort' ? [TEST_DATABASE_URL, 5432] : [TEST_NATS_URL, 4222];
    relay = await startOutageProxy(Number(new URL(url).port) || defaultPort);
    c = await startCase({ [route]: relay.port }, env);
    started(relay, c);
  });
  afterAll(async () => {
    await relay?.restore();
    await c?.stop();
    await relay?.close();
  });
}

describe('HL7 v2 over MLLP while PostgreSQL is unreachable (ACK_POINT=ledger)', () => {
  let pg: OutageProxy;
  let c: OutageCase;
  behindRelay('databasePort', {}, (relay, started) => ((pg = relay), (c = started)));

  it('answers AR (resend) within the ack timeout, then acknowledges the resend once it is back, with one ledger row', async () => {
    const before = await c.sender.send(handWrittenRds('PG-0'));
    expect(before.code).toBe('AA');

    await pg.cut();
    const started = Date.now();
    const refused = await c.sender.send(handWrittenRds('PG-1'));
    expect(Date.now() - started).toBeLessThan(ACK_TIMEOUT_MS + 3000);
    expectResendAr(refused, 'PG-1');
    // The gateway keeps its sender: the connection carries the next message as well.
    expectResendAr(await c.sender.send(handWrittenRds('PG-1')), 'PG-1');

    await pg.restore();
    const { ack } = await resendUntilAccepted(c.sender, handWrittenRds('PG-1'), 20_000);
    expect(ack).toMatchObject({ code: 'AA', controlId: 'PG-1' });
    expect(await dispensesOf(c.gw, 'PG-1')).toHaveLength(1);
    // The resend after AA is a repeat: same answer, still one row.
    expect((await c.sender.send(handWrittenRds('PG-1'))).code).toBe('AA');
    expect(await dispensesOf(c.gw, 'PG-1')).toHaveLength(1);
    // Waiting out the outage is not a failure of the events: nothing went to the dead-letter stream.
    expect((await c.gw.metrics.deadLettered.get()).values.reduce((sum, v) => sum + v.value, 0)).toBe(0);

    const refusals = c.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).includes('not stored durably'));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const line of refusals) expect(line.correlation_id).toBeTruthy();
    // Each refused copy is kept in quarantine (on the bus, which stayed up), findable by its correlation id.
    const kept = (await listQuarantine(c.gw.bus, { limit: 100, adapter: 'hl7v2', reason: 'not_durable' })).entries;
    expect(kept.map((e) => e.correlation_id).sort()).toEqual(refusals.map((l) => l.correlation_id).sort());
    expectNoPhi(c.logLines);
  }, 60_000);

  it('answers reads of the ledger and the mapping tables 503 store_unavailable with Retry-After, and 200 once it is back', async () => {
    const read = (path: string, token: string) => fetch(`${c.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const reads = () => Promise.all([read('/api/ledger?facility=HOSP1&limit=5', COMPLIANCE_TOKEN), read('/api/mappings/drugs?limit=5', ANALYST_TOKEN)]);
    expect((await reads()).map((r) => r.status)).toEqual([200, 200]);
    await pg.cut();
    try {
      const refused = await reads();
      for (const answer of refused) {
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).toBe('5');
        expect(await answer.json()).toMatchObject({ error: { code: 'store_unavailable', message: expect.stringContaining('retry later') } });
      }
      const logged = c.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('database unavailable'));
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(logged.every((l) => l.level === 40 && typeof l.correlation_id === 'string')).toBe(true);
    } finally {
      await pg.restore();
    }
    const { answer } = await retryUntil(reads, (answers) => answers.every((r) => r.status === 200), 10_000);
    expect(answer.map((r) => r.status)).toEqual([200, 200]);
  }, 60_000);

  it('shows a web UI page that needs the database as "try again in a moment" (503), and the page once it is back', async () => {
    await expectPageThroughOutage(c, '/ui/tables/drugs', 'database', { cut: () => pg.cut(), restore: () => pg.restore() });
  }, 60_000);

  it('takes 100 messages on four connections through an outage: every one acknowledged, each in the ledger once', async () => {
    const { refused, recoveredMs } = await sendThroughOutage(c, pg, 'PGLOAD', ACK_TIMEOUT_MS + 500);
    // Longer than the ack timeout: the senders in flight heard AR and resent.
    expect(refused).toBeGreaterThan(0);
    // The ledger writer retries in place, at most every ACK_WAIT_MS / 2 (2.5 s by default), the pool reconnects
    // within 2 s, and a write the driver leaves hanging is given up after STORE_WRITE_TIMEOUT_MS (5 s): no 20 s
    // reconnection delay or stuck writer to sit out.
    expect(recoveredMs).toBeLessThan(12_000);
    expect((await c.gw.metrics.deadLettered.get()).values.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  }, 90_000);
});

describe('HL7 v2 over MLLP while NATS is unreachable', () => {
  let nats: OutageProxy;
  let c: OutageCase;
  behindRelay('natsPort', {}, (relay, started) => ((nats = relay), (c = started)));

  it('answers AR (resend) without waiting long, then acknowledges the resend once it is back, with one ledger row', async () => {
    expect((await c.sender.send(handWrittenRds('NATS-0'))).code).toBe('AA');

    await cutNats(nats, c.gw);
    const started = Date.now();
    const refused = await c.sender.send(handWrittenRds('NATS-1'));
    const waitedMs = Date.now() - started;
    expectResendAr(refused, 'NATS-1');
    // The connection is known to be lost: no publish timeout to wait out (5 s), no ack timeout either.
    expect(waitedMs).toBeLessThan(1000);
    // Quarantine lives on the bus too: the copy cannot be kept, the sender keeps it, and the log says so.
    const lines = c.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusal = lines.find((l) => String(l.msg).includes('not stored durably'));
    expect(refusal?.correlation_id).toBeTruthy();
    expect(lines.find((l) => l.msg === 'quarantine unavailable' && l.correlation_id === refusal?.correlation_id)).toMatchObject({ reason: 'not_durable' });

    await nats.restore();
    const { ack } = await resendUntilAccepted(c.sender, handWrittenRds('NATS-1'), 20_000);
    expect(ack).toMatchObject({ code: 'AA', controlId: 'NATS-1' });
    expect(await dispensesOf(c.gw, 'NATS-1')).toHaveLength(1);
    expect(await dispensesOf(c.gw, 'NATS-0')).toHaveLength(1);
    expectNoPhi(c.logLines);
  }, 60_000);

  it('asks for a resend of a message it would answer AE while quarantine is unreachable, and keeps it once it is back', async () => {
    const noRxd = handWrittenRds('NATS-AE').split('\r').filter((segment) => !segment.startsWith('RXD')).join('\r');
    await cutNats(nats, c.gw);
    // AE would tell the sender to drop the message, and the copy could not be kept: AR (resend) instead, at once.
    const started = Date.now();
    expectResendAr(await c.sender.send(noRxd), 'NATS-AE');
    expect(Date.now() - started).toBeLessThan(1000);
    await nats.restore();
    const { answer: ack } = await retryUntil(() => c.sender.send(noRxd), (a) => a.code !== 'AR', 10_000);
    expect(ack).toMatchObject({ code: 'AE', controlId: 'NATS-AE' });
    const kept = (await listQuarantine(c.gw.bus, { limit: 100, adapter: 'hl7v2', reason: 'translate' })).entries;
    expect(kept).toHaveLength(1);
  }, 60_000);

  it('traces a message from the ledger while NATS is away, saying which parts it could not read', async () => {
    expect((await c.sender.send(handWrittenRds('NATS-TRACE'))).code).toBe('AA');
    const trace = () => fetch(`${c.baseUrl}/api/trace?message_id=NATS-TRACE`, { headers: { authorization: `Bearer ${ANALYST_TOKEN}` } });
    const answered = async () => ((await (await trace()).json()) as { answers: unknown[] }).answers.length > 0;
    // The answer's record is written after the ACK, without waiting for JetStream: let it land before the cut.
    await retryUntil(answered, (yes) => yes, 5_000);
    await cutNats(nats, c.gw);
    const started = Date.now();
    const res = await trace();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(200);
    const partial = (await res.json()) as { ledger: { event_id: string }[]; quarantine: unknown[]; answers: unknown[]; unavailable: string[] };
    expect(partial.ledger).toHaveLength(1);
    expect(partial).toMatchObject({ answers: [], quarantine: [], unavailable: ['answers', 'quarantine'] });
    await nats.restore();
    const { answer: whole } = await retryUntil(
      async () => (await (await trace()).json()) as { answers: { acks: { code: string }[] }[]; unavailable: string[] },
      (t) => t.unavailable.length === 0,
      10_000,
    );
    expect(whole.answers).toMatchObject([{ acks: [{ code: 'AA' }] }]);
  }, 60_000);

  it('takes 100 messages on four connections through an outage: every one acknowledged, each in the ledger once', async () => {
    const { refused, recoveredMs } = await sendThroughOutage(c, nats, 'NATSLOAD', 1000);
    expect(refused).toBeGreaterThan(0);
    // A delivery lost with the connection comes back after ACK_WAIT_MS (5 s by default), not after 30 s, and the
    // partition waits for it (ACK_WAIT_MS and a second) to keep its order.
    expect(recoveredMs).toBeLessThan(12_000);
  }, 90_000);

  it('answers the HTTP API 503 with Retry-After at once, reports not ready, and takes the retry once it is back', async () => {
    const post = () => postDispense(c, 'API-1');
    await cutNats(nats, c.gw);
    const started = Date.now();
    const refused = await post();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'bus_unavailable' } });
    const ready = await fetch(`${c.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not_ready', checks: { bus: { ok: false, error: 'connection lost; reconnecting' }, store: { ok: true } } });
    await nats.restore();
    const { answer: accepted } = await retryUntil(post, (r) => r.status === 202, 10_000);
    expect(accepted.status).toBe(202);
    const { entries } = await listLedger(c.gw.store, { facility: 'HOSP1', limit: 1000 });
    expect(entries.filter((e) => e.event.source.message_id === 'API-1')).toHaveLength(1);
  }, 60_000);

  it('shows the web UI quarantine page as "try again in a moment" (503) while the bus is away, and the page once it is back', async () => {
    await expectPageThroughOutage(c, '/ui/quarantine', 'message bus', { cut: () => cutNats(nats, c.gw), restore: () => nats.restore() });
  }, 60_000);
});

describe('HL7 v2 over MLLP while NATS is unreachable, ACK_POINT=bus', () => {
  let nats: OutageProxy;
  let c: OutageCase;
  behindRelay('natsPort', { ACK_POINT: 'bus' }, (relay, started) => ((nats = relay), (c = started)));

  // Answered at the PubAck, a sender's next message can reach the bus while its previous one is still on its way to
  // the ledger writer — and lost with the connection, to come back only after ack_wait.
  it('keeps each sender\'s messages in order in the chain through an outage', async () => {
    await sendThroughOutage(c, nats, 'BUSLOAD', 1000);
  }, 90_000);
});

/** A gateway with its own settings and direct routes to both servers, for the tests of one describe block. */
function withSettings(env: Record<string, string>, started: (c: OutageCase) => void): void {
  let c: OutageCase | undefined;
  beforeAll(async () => {
    c = await startCase({}, env);
    started(c);
  });
  afterAll(async () => {
    await c?.stop();
  });
}

describe('HL7 v2 and the HTTP API when the events stream is full (EVENTS_MAX_BYTES)', () => {
  let c: OutageCase;
  withSettings({ EVENTS_MAX_BYTES: String(24 * 1024) }, (started) => (c = started));

  it('answers AR (resend later) and 503 bus_full, drops nothing it took, and takes the resend once there is room', async () => {
    // ~2 KB per dispense event: room for about ten; the loop stops at the first refusal
    const accepted: string[] = [];
    let refused: Hl7ClientAck | undefined;
    for (let n = 0; n < 60 && !refused; n++) {
      const ack = await c.sender.send(handWrittenRds(`FULL-${n}`));
      if (ack.code === 'AA') accepted.push(`FULL-${n}`);
      else refused = ack;
    }
    expect(accepted.length).toBeGreaterThan(2);
    const refusedId = `FULL-${accepted.length}`;
    expectResendAr(refused!, refusedId);
    expect(refused!.text.split('\r').find((s) => s.startsWith('ERR|'))).toContain('event stream is full');
    // A sender that lost an earlier AA and repeats that message is still answered AA: the stream knows its id.
    expect((await c.sender.send(handWrittenRds(accepted[0]!))).code).toBe('AA');
    // The refused copy is kept (quarantine is a stream of its own), and the log line says why, without PHI.
    const lines = c.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusal = lines.find((l) => String(l.msg).includes('not stored durably'));
    expect(refusal).toMatchObject({ error: expect.stringMatching(/maximum bytes exceeded/) });
    const kept = (await listQuarantine(c.gw.bus, { limit: 100, adapter: 'hl7v2', reason: 'not_durable' })).entries;
    expect(kept.map((e) => e.correlation_id)).toEqual([refusal!.correlation_id]);

    const post = (id: string) => postDispense(c, id);
    // An API event is smaller than the HL7 one just refused and may still fit: post until one does not.
    let full = await post('API-FULL-0');
    let apiId = 'API-FULL-0';
    for (let n = 1; n < 20 && full.status === 202; n++) full = await post((apiId = `API-FULL-${n}`));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('60');
    expect(await full.json()).toMatchObject({ error: { code: 'bus_full' } });

    // Nothing taken was dropped to make room: every acknowledged message is in the ledger once.
    const { entries } = await listLedger(c.gw.store, { facility: 'HOSP1', limit: 1000 });
    const ids = entries.map((e) => e.event.source.message_id).filter((id) => id.startsWith('FULL-'));
    expect(ids.sort()).toEqual(accepted.sort());

    // The operator makes room (here: lifts the limit, as a restart with a larger EVENTS_MAX_BYTES does); the
    // senders' resends are taken.
    await ensureStreams(c.gw.bus, { duplicateWindowMs: 86_400_000 });
    expect((await c.sender.send(handWrittenRds(refusedId))).code).toBe('AA');
    expect(await dispensesOf(c.gw, refusedId)).toHaveLength(1);
    expect((await post(apiId)).status).toBe(202);
    expectNoPhi(c.logLines);
  }, 60_000);
});

describe('HL7 v2 when the quarantine stream is full (QUARANTINE_MAX_BYTES)', () => {
  let c: OutageCase;
  withSettings({ QUARANTINE_MAX_BYTES: String(16 * 1024) }, (started) => (c = started));

  it('asks for a resend of what it cannot keep, keeps what it kept, and still takes good messages', async () => {
    // An RDS^O13 without RXD is answered AE once its copy is kept; ~1.5 KB a copy, so about ten fit.
    const noRxd = (id: string) => handWrittenRds(id).split('\r').filter((segment) => !segment.startsWith('RXD')).join('\r');
    const answers: Hl7ClientAck[] = [];
    for (let n = 0; n < 60 && answers.at(-1)?.code !== 'AR'; n++) answers.push(await c.sender.send(noRxd(`BAD-${n}`)));
    const kept = answers.slice(0, -1);
    expect(kept.length).toBeGreaterThan(2);
    expect(kept.every((a) => a.code === 'AE')).toBe(true);
    // AE tells a sender to drop the message: without a copy kept, it is asked to resend instead.
    expectResendAr(answers.at(-1)!, `BAD-${kept.length}`);
    const lines = c.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'quarantine unavailable')).toMatchObject({ error: expect.stringMatching(/maximum bytes exceeded/) });
    // Every copy kept is still there, from the first on: none was dropped to make room.
    const entries = (await listQuarantine(c.gw.bus, { limit: 100, adapter: 'hl7v2' })).entries;
    expect(entries).toHaveLength(kept.length);
    // A full quarantine does not hold up good messages: their events go to a stream of their own.
    expect((await c.sender.send(handWrittenRds('GOOD-1'))).code).toBe('AA');
    expect(await dispensesOf(c.gw, 'GOOD-1')).toHaveLength(1);
    expectNoPhi(c.logLines);
  }, 60_000);
});

describe('HL7 v2 when the server has lost the events stream', () => {
  let c: OutageCase;
  withSettings({}, (started) => (c = started));

  it('asks for a resend of every message, and /readyz names the missing stream and what brings it back', async () => {
    expect((await c.sender.send(handWrittenRds('LOST-0'))).code).toBe('AA');
    // Deleted by hand, or a nats-server come back on an empty store: the server answers, and takes no event.
    await c.gw.bus.jsm.streams.delete(c.gw.bus.names.streams.events);
    expectResendAr(await c.sender.send(handWrittenRds('LOST-1')), 'LOST-1');
    const ready = await fetch(`${c.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'not_ready',
      checks: { bus: { ok: false, error: expect.stringMatching(/events stream .* is missing on the server .*a gateway start makes it again/) }, store: { ok: true } },
    });
    expectNoPhi(c.logLines);
  }, 60_000);
});
