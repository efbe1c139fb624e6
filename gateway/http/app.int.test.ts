import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { RunningGateway } from '../main.ts';
import { startTestGateway } from '../test-support.ts';

/**
 * The HTTP API end to end, against real NATS JetStream and real PostgreSQL: authentication, intake with the ledger
 * ack point, quarantine of bad input, dead letters, the ledger listing and verification, metrics, and the logs.
 */

const TOKENS = {
  admin: 'admin-token-0123456789',
  system: 'system-token-0123456789',
  analyst: 'analyst-token-0123456789',
  compliance: 'compliance-token-0123456789',
};
const PATIENT_NAME = 'ZZTESTPATIENT^JOHN';

describe('HTTP API on PostgreSQL and NATS JetStream', () => {
  let gw: RunningGateway;
  let base: string;
  let stop: () => Promise<void>;
  const logLines: string[] = [];

  beforeAll(async () => {
    const t = await startTestGateway(
      {
        MAX_DELIVER: '2',
        PARTITIONS: '2',
        AUTH_TOKENS: Object.entries(TOKENS).map(([role, token]) => `${role}:${token}`).join(','),
        LOG_LEVEL: 'debug',
      },
      createLogger('debug', { write: (line: string) => void logLines.push(line) }),
    );
    ({ gw, baseUrl: base, stop } = t);
  });

  afterAll(async () => {
    await stop?.();
  });

  const call = (method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; type?: string } = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
      },
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });

  const dispense = (messageId: string, facility = 'HOSP1') => ({
    type: 'rx.dispense',
    facility_id: facility,
    occurred_at: '2026-11-21T10:00:00Z',
    source: { adapter: 'api', sender: 'PHARM^HOSP', message_id: messageId },
    drug: { ndc11: '00591036901', schedule: 'II' },
    quantity: { value: 30, unit: 'TAB' },
    payload: { prescription_number: `RX-${messageId}`, patient_name_must_not_be_logged: PATIENT_NAME },
  });

  it('leaves health and metrics open and answers ready', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { bus: { ok: true }, store: { ok: true } } });
    expect((await call('GET', '/metrics')).status).toBe(200);
  });

  it('answers 401 without a valid token and 403 for the wrong role', async () => {
    for (const path of ['/api/ledger', '/api/quarantine', '/api/dlq', '/schemas/canonical-event.json', '/api/nothing-here']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
    expect((await call('GET', '/api/ledger', { token: 'wrong-token-0123456789' })).status).toBe(401);
    const forbidden = await call('POST', '/api/events', { token: TOKENS.analyst, body: dispense('X') });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toMatch(/role analyst may not/);
    expect((await call('GET', '/api/ledger', { token: TOKENS.system })).status).toBe(403);
  });

  it('serves the canonical event JSON Schema', async () => {
    const res = await call('GET', '/schemas/canonical-event.json', { token: TOKENS.analyst });
    expect(res.status).toBe(200);
    const schema = (await res.json()) as { $id: string; anyOf?: unknown[]; oneOf?: unknown[] };
    expect(schema.$id).toBe('https://rxgate.dev/schemas/canonical-event.json');
    expect(JSON.stringify(schema)).toContain('rx.dispense');
  });

  it('accepts an event only once it is in the ledger, and a repeat gets the same answer and no second row', async () => {
    const first = await call('POST', '/api/events', { token: TOKENS.system, body: dispense('D1') });
    expect(first.status).toBe(202);
    const a = (await first.json()) as { event_id: string; duplicate: boolean; ack_point: string; ledger: { chain: string; seq: number } };
    expect(a).toMatchObject({ duplicate: false, ack_point: 'ledger', ledger: { chain: 'HOSP1', seq: 1 } });

    const again = await call('POST', '/api/events', { token: TOKENS.system, body: dispense('D1') });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ event_id: a.event_id, duplicate: true, ledger: { chain: 'HOSP1', seq: 1 } });

    const second = (await (await call('POST', '/api/events', { token: TOKENS.system, body: dispense('D2') })).json()) as typeof a;
    expect(second.ledger).toEqual({ chain: 'HOSP1', seq: 2 });

    const page = (await (await call('GET', '/api/ledger?facility=HOSP1', { token: TOKENS.compliance })).json()) as {
      entries: { event_id: string; seq: number; type: string; event: { payload: { prescription_number: string } } }[];
    };
    expect(page.entries.map((e) => [e.seq, e.event.payload.prescription_number])).toEqual([
      [1, 'RX-D1'],
      [2, 'RX-D2'],
    ]);
    const verify = await call('GET', '/api/ledger/verify', { token: TOKENS.compliance });
    expect(await verify.json()).toMatchObject({ ok: true });

    // Signed checkpoints: on request, once per change of the heads, listed, and checked by verify.
    const signed = await call('POST', '/api/ledger/checkpoints', { token: TOKENS.compliance });
    expect(signed.status).toBe(201);
    const checkpoint = ((await signed.json()) as { checkpoint: { number: number; key_id: string; heads: { chain: string; seq: number }[] } }).checkpoint;
    expect(checkpoint.heads).toContainEqual(expect.objectContaining({ chain: 'HOSP1', seq: 2 }));
    expect((await call('POST', '/api/ledger/checkpoints', { token: TOKENS.compliance })).status).toBe(200);
    const listed = (await (await call('GET', '/api/ledger/checkpoints', { token: TOKENS.compliance })).json()) as { checkpoints: { number: number }[] };
    expect(listed.checkpoints.map((c) => c.number)).toEqual([checkpoint.number]);
    const keys = (await (await call('GET', '/api/ledger/checkpoints/keys', { token: TOKENS.compliance })).json()) as { signing_key_id: string; trusted: { key_id: string }[] };
    expect(keys.signing_key_id).toBe(checkpoint.key_id);
    expect(keys.trusted.map((k) => k.key_id)).toEqual([checkpoint.key_id]);
    expect(await (await call('GET', '/api/ledger/verify', { token: TOKENS.compliance })).json()).toMatchObject({
      ok: true,
      checkpoints: { checked: 1, latest: { number: checkpoint.number } },
    });
    expect((await call('POST', '/api/ledger/checkpoints', { token: TOKENS.system })).status).toBe(403);
    const bad = await call('GET', '/api/ledger/checkpoints?limit=0&after=-1', { token: TOKENS.compliance });
    expect(bad.status).toBe(422);
    const issues = ((await bad.json()) as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(issues).toEqual(['after', 'limit']);
  });

  it('answers 422 naming each bad field and keeps the raw body in quarantine', async () => {
    const bad = { ...dispense('BAD1'), facility_id: 'HOSP 1', drug: { ndc11: '1234', schedule: 'VI' } };
    const res = await call('POST', '/api/events', { token: TOKENS.system, body: bad });
    expect(res.status).toBe(422);
    const err = (await res.json()) as { error: { code: string; details: { issues: { field: string }[]; quarantine_id: number } } };
    expect(err.error.code).toBe('invalid_event');
    expect(err.error.details.issues.map((i) => i.field).sort()).toEqual(['drug.ndc11', 'drug.schedule', 'facility_id']);

    const listed = (await (await call('GET', '/api/quarantine?adapter=api', { token: TOKENS.analyst })).json()) as {
      entries: { id: number; reason: string }[];
    };
    expect(listed.entries).toContainEqual(expect.objectContaining({ id: err.error.details.quarantine_id, reason: 'invalid_event' }));
    expect((await call('GET', `/api/quarantine/${err.error.details.quarantine_id}`, { token: TOKENS.analyst })).status).toBe(403);
    const shown = (await (await call('GET', `/api/quarantine/${err.error.details.quarantine_id}`, { token: TOKENS.compliance })).json()) as {
      raw_text: string;
    };
    expect(JSON.parse(shown.raw_text)).toEqual(bad);

    const replay = await call('POST', `/api/quarantine/${err.error.details.quarantine_id}/replay`, { token: TOKENS.analyst });
    expect(replay.status).toBe(422);
  });

  it('refuses with 422 an event the ledger could not hold, naming the field, instead of waiting for a commit that never comes', async () => {
    const res = await call('POST', '/api/events', { token: TOKENS.system, body: { ...dispense('NUL1'), payload: { note: 'a\u0000b' } } });
    expect(res.status).toBe(422);
    const err = (await res.json()) as { error: { details: { issues: { field: string }[]; quarantine_id: number } } };
    expect(err.error.details.issues.map((i) => i.field)).toEqual(['payload.note']);
    expect(err.error.details.quarantine_id).toBeGreaterThan(0);
  });

  it('answers malformed JSON with 400 and a wrong media type with 415, quarantining both; a replay can accept the latter', async () => {
    const malformed = await call('POST', '/api/events', { token: TOKENS.system, raw: '{"type": "rx.dispense",' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('malformed_json');

    const wrongType = await call('POST', '/api/events', { token: TOKENS.system, raw: JSON.stringify(dispense('TXT1')), type: 'text/plain' });
    expect(wrongType.status).toBe(415);
    const id = ((await wrongType.json()) as { error: { details: { quarantine_id: number } } }).error.details.quarantine_id;
    const replay = await call('POST', `/api/quarantine/${id}/replay`, { token: TOKENS.analyst });
    expect(replay.status).toBe(200);
    const replayed = (await replay.json()) as { accepted: boolean; event_ids: string[] };
    expect(replayed.accepted).toBe(true);
    const ledger = (await (await call('GET', '/api/ledger?facility=HOSP1', { token: TOKENS.compliance })).json()) as {
      entries: { event_id: string }[];
    };
    expect(ledger.entries.map((e) => e.event_id)).toContain(replayed.event_ids[0]);
  });

  it('dead-letters a message the ledger writer cannot record, lists it without its body, and records a failed replay', async () => {
    // Straight onto the stream, past the intake: the writer is the one to refuse it.
    await gw.bus.js.publish(`${gw.bus.names.namespace}.ev.gen.p0.HOSP9.inv.count`, '{"not":"canonical"}', { msgID: 'junk-1' });
    let entries: { id: number; consumer: string; deliveries: number; failures: unknown[]; body?: string }[] = [];
    for (let i = 0; i < 200 && entries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      entries = ((await (await call('GET', '/api/dlq', { token: TOKENS.analyst })).json()) as { entries: typeof entries }).entries;
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ consumer: 'ledger-p0', deliveries: 2 });
    expect(entries[0]!.failures).toHaveLength(2);
    expect(entries[0]!.body).toBeUndefined();
    // Filtered by the consumer that gave up: found by subject, the others' dead letters skipped.
    const byConsumer = async (consumer: string) =>
      ((await (await call('GET', `/api/dlq?consumer=${consumer}`, { token: TOKENS.analyst })).json()) as { entries: typeof entries }).entries.map((e) => e.id);
    expect(await byConsumer('ledger-p0')).toEqual([entries[0]!.id]);
    expect(await byConsumer('ledger-p1')).toEqual([]);
    const replay = await call('POST', `/api/dlq/${entries[0]!.id}/replay`, { token: TOKENS.analyst });
    expect(replay.status).toBe(422);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/not a canonical event/);
  });

  it('validates listing parameters with 422 naming the field', async () => {
    const res = await call('GET', '/api/ledger?limit=100000&type=rx.teleport', { token: TOKENS.compliance });
    expect(res.status).toBe(422);
    const err = (await res.json()) as { error: { details: { field: string }[] } };
    expect(err.error.details.map((d) => d.field).sort()).toEqual(['limit', 'type']);
    expect((await call('GET', '/api/quarantine/abc', { token: TOKENS.compliance })).status).toBe(422);
    expect((await call('GET', '/api/dlq/999999', { token: TOKENS.compliance })).status).toBe(404);
  });

  it('exports the foundation metrics', async () => {
    const text = await (await call('GET', '/metrics')).text();
    expect(text).toMatch(/rxgate_events_published_total\{type="rx.dispense",class="ctl",duplicate="false"\} [1-9]/);
    expect(text).toMatch(/rxgate_ledger_appends_total\{duplicate="false"\} [1-9]/);
    expect(text).toMatch(/rxgate_ledger_append_seconds_count [1-9]/);
    expect(text).toMatch(/rxgate_quarantined_total\{adapter="api",reason="invalid_event"\} [1-9]/);
    expect(text).toMatch(/rxgate_dead_lettered_total\{consumer="ledger-p0"\} 1/);
    expect(text).toMatch(/rxgate_consumer_pending_messages\{stream="[^"]+",consumer="ledger-p0"\} \d+/);
    // everything published has been written (an acknowledgement may still be on its way): nothing waits for long
    const age = /rxgate_consumer_backlog_age_seconds\{stream="[^"]+",consumer="ledger-p0"\} (\S+)\n/.exec(text)?.[1];
    expect(Number(age)).toBeLessThan(10);
    // the events this file posted, and the rejected bodies kept in quarantine
    expect(text).toMatch(/rxgate_stream_bytes\{stream="[^"]+EVENTS"\} [1-9]\d*\n/);
    expect(text).toMatch(/rxgate_stream_messages\{stream="[^"]+QUARANTINE"\} [1-9]\d*\n/);
  });

  it('logs JSON lines with correlation ids and never the payload', async () => {
    await call('POST', '/api/events', { token: TOKENS.system, body: dispense('LOG1') });
    await call('POST', '/api/events', { token: TOKENS.system, body: { ...dispense('LOG2'), facility_id: 'bad facility' } });
    expect(logLines.length).toBeGreaterThan(10);
    for (const line of logLines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain('ZZTESTPATIENT');
      for (const token of Object.values(TOKENS)) expect(line).not.toContain(token);
    }
    const requests = logLines.map((l) => JSON.parse(l) as { msg: string; correlation_id?: string }).filter((l) => l.msg === 'http request');
    expect(requests.length).toBeGreaterThan(5);
    for (const r of requests) expect(r.correlation_id).toMatch(/^[A-Za-z0-9._:-]+$/);
  });
});
