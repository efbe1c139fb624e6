import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent } from '../../gateway/bus/publish.ts';
import { openTestBus } from '../../gateway/bus/test-support.ts';
import { idempotencyKey, sha256Hex, uuidv7 } from '../../gateway/events/ids.ts';
import type { CanonicalEvent } from '../../gateway/events/schema.ts';
import { acceptEvents, type IntakeDeps } from '../../gateway/intake/accept.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import { listLedger, verifyLedger } from '../../gateway/store/ledger.ts';
import { withTestStores } from '../../gateway/store/test-support.ts';
import { LedgerCommitWaiter } from '../../gateway/workers/ledger-commits.ts';
import { startLedgerWriter, type LedgerWriter } from '../../gateway/workers/ledger-writer.ts';
import { startMappings, type Mappings } from '../module.ts';
import type { DrugCode } from '../resolver.ts';
import { query } from '../sql.ts';
import { RELEASE_MSG_SUFFIX } from './release.ts';
import { findParkedByKeys } from './store.ts';

/**
 * DESIGN §3 `unm` end to end, on real NATS JetStream and on both stores: unmapped events are parked (and the edge
 * waiting on the ledger ack point is answered), never written to the ledger while unmapped; resolving the pending
 * code writes the mappings and republishes the parked events, which reach the ledger in their original order,
 * exactly once — also when released twice and when the enriched event is published again.
 */

const stores = await withTestStores();
const logger = pino({ level: 'silent' });
const analyst = (reason: string) => ({ actor: 'analyst:test…', reason });

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(stores)('park → resolve → republish on $kind', ({ store }) => {
  let bus: Awaited<ReturnType<typeof openTestBus>>;
  let writer: LedgerWriter;
  let waiter: LedgerCommitWaiter;
  let mappings: Mappings;
  let intake: IntakeDeps;
  const facility = `PARK${Math.floor(Math.random() * 1e6)}`;

  beforeAll(async () => {
    bus = await openTestBus();
    const metrics = createMetrics();
    waiter = new LedgerCommitWaiter(bus);
    await waiter.ready(bus);
    const config = {
      MAPPINGS_CHAIN: 'MAPPINGS',
      MAPPINGS_REFRESH_MS: 60_000,
      PARTITIONS: 2,
      ACK_POINT: 'ledger' as const,
      ACK_TIMEOUT_MS: 15_000,
      ACK_WAIT_MS: 5_000,
      MAX_DELIVER: 3,
      LEDGER_BATCH_MAX: 100,
    };
    writer = await startLedgerWriter({
      bus, store, metrics, logger, instanceId: `w-${uuidv7()}`, partitions: 2, batchMax: 100, maxDeliver: 3, ackWaitMs: 5_000, leaseTtlMs: 3_000,
    });
    intake = { bus, store, metrics, waiter, logger, config: { ...config, TEST_CRASH_AFTER_PUBACK: false }, findParked: (keys) => findParkedByKeys(store.db, keys) };
    mappings = await startMappings({ store, bus, metrics, logger, intake, waiter, config });
    // What the tables know before any event: an NC drug, and another package of the product that will be missing.
    await mappings.service.create('drugs', { ndc11: '0591-0369-01', description: 'Loxapine 5 mg capsule' }, analyst('formulary'));
    await mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'NC' }, analyst('formulary'));
    await mappings.service.create('drugs', { ndc11: '12345-0678-91', description: 'Oxycodone HCl 5 mg tablet, 30', proprietary_name: 'Oxy IR' }, analyst('formulary'));
  });

  afterAll(async () => {
    await mappings?.stop();
    await writer?.stop();
    waiter?.close();
    await bus?.cleanup();
  });

  let n = 0;
  /** An event as a translator makes it: the drug comes from the resolver, the codes as sent go in the payload. */
  function dispense(codes: DrugCode[]): CanonicalEvent {
    const messageId = `${facility}-M${++n}`;
    const raw = sha256Hex(messageId);
    const { drug } = mappings.resolver.resolve(codes, facility);
    return {
      id: uuidv7(),
      type: 'rx.dispense',
      facility_id: facility,
      occurred_at: '2026-11-21T10:00:00Z',
      received_at: new Date().toISOString(),
      source: { adapter: 'test', sender: 'PHARM^HOSP', message_id: messageId, raw_sha256: raw },
      correlation_id: messageId,
      idempotency_key: idempotencyKey('PHARM^HOSP', messageId, raw),
      drug: { ...drug, lot: `LOT${n}` },
      quantity: { value: n, unit: 'TAB' },
      payload: { prescription_number: `RX${n}`, codes: codes.map((c) => ({ code: c.code, system: c.system, ...(c.display ? { display: c.display } : {}) })) },
    } as CanonicalEvent;
  }

  const ledgerOf = async (chain: string) => (await listLedger(store, { facility: chain, limit: 1000 })).entries;
  const known: DrugCode[] = [{ system: 'NDC', code: '0591-0369-01' }];
  const missing: DrugCode[] = [{ system: 'NDC', code: '12345-678-90', display: 'OXYCODONE 5MG TAB' }];
  const local: DrugCode[] = [{ system: 'LOCAL', code: 'LOX-CAP-5' }];
  const events: CanonicalEvent[] = [];

  it('parks unmapped events (answering the ledger ack point with parked) and keeps them out of the ledger', async () => {
    events.push(dispense(known), dispense(missing), dispense(known), dispense(missing), dispense(missing), dispense(local));
    expect(events.map((e) => e.drug!.schedule)).toEqual(['NC', 'UNMAPPED', 'NC', 'UNMAPPED', 'UNMAPPED', 'UNMAPPED']);
    const accepted = await acceptEvents(intake, events);
    expect(accepted.map((a) => (a.parked ? 'parked' : a.ledger?.seq))).toEqual([1, 'parked', 2, 'parked', 'parked', 'parked']);
    expect(accepted.every((a) => a.duplicate === false && a.ack_point === 'ledger')).toBe(true);

    // A sender's retry of a parked event gets the same positive answer.
    const [again] = await acceptEvents(intake, [events[1]!]);
    expect(again).toMatchObject({ event_id: events[1]!.id, duplicate: true, parked: true });
    expect(again!.ledger).toBeUndefined();

    expect((await ledgerOf(facility)).map((r) => r.event_id)).toEqual([events[0]!.id, events[2]!.id]);
    const { entries } = await mappings.pending.list({ limit: 100 });
    const byCode = Object.fromEntries(entries.map((p) => [`${p.system}|${p.facility_id}|${p.code}`, p]));
    expect(byCode['NDC|*|12345067890']).toMatchObject({ status: 'open', waiting: 3, events_total: 3, display: 'OXYCODONE 5MG TAB' });
    expect(byCode[`LOCAL|${facility}|LOX-CAP-5`]).toMatchObject({ status: 'open', waiting: 1 });
    const diag = await mappings.diagnostics();
    expect(diag.pending).toMatchObject({ open: 2, waiting_events: 4 });
  });

  it('suggests the other package of the same product first', async () => {
    const pending = (await mappings.pending.list({ status: 'open', limit: 100 })).entries.find((p) => p.system === 'NDC')!;
    const suggestions = await mappings.pending.suggestions(pending.id);
    expect(suggestions[0]).toMatchObject({ ndc11: '12345067891', reasons: expect.arrayContaining(['same product, another package']) });
  });

  it('resolving the code releases the parked events into the ledger in their original order, exactly once', async () => {
    const pending = (await mappings.pending.list({ status: 'open', limit: 100 })).entries.find((p) => p.system === 'NDC')!;
    await expect(mappings.pending.resolve(pending.id, { ndc11: '12345-678-90' }, analyst('new package'))).rejects.toThrow(/no DEA schedule yet/);
    const result = await mappings.pending.resolve(
      pending.id,
      { ndc11: '12345-678-90', schedule: 'II', drug: { description: 'Oxycodone HCl 5 mg tablet, 100', proprietary_name: 'Oxy IR' } },
      analyst('new package of Oxy IR; schedule II per label'),
    );
    expect(result.release).toEqual({ pending_id: pending.id, released: 3, still_unmapped: 0, recorded: 3 });
    expect(result.pending).toMatchObject({ status: 'resolved', waiting: 0, resolved_by: 'analyst:test…' });
    expect(result.changes.map((c) => [c.entry!.table, c.entry!.key])).toEqual([
      ['drugs', '12345067890'],
      ['schedules', '12345067890'],
    ]);
    expect(result.changes[1]!.compliance_event).toMatchObject({ status: 'recorded', ledger: { chain: 'MAPPINGS' } });

    const rows = await ledgerOf(facility);
    expect(rows.map((r) => r.event_id)).toEqual([0, 2, 1, 3, 4].map((i) => events[i]!.id));
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const released = rows.slice(2);
    expect(released.map((r) => r.class)).toEqual(['ctl', 'ctl', 'ctl']);
    expect(released.map((r) => r.idempotency_key)).toEqual([1, 3, 4].map((i) => events[i]!.idempotency_key));
    expect(released[0]!.event.drug).toEqual({ ndc11: '12345067890', ndc_raw: '12345-678-90', lot: 'LOT2', schedule: 'II' });

    // Released again, and the enriched event published again under both message ids: still one row each.
    await mappings.releaser.release(pending.id);
    await publishEvent(bus, released[0]!.event, 2, `${events[1]!.idempotency_key}${RELEASE_MSG_SUFFIX}`);
    await publishEvent(bus, released[0]!.event, 2, `${events[1]!.idempotency_key}:again`);
    const probe = dispense(known);
    await acceptEvents(intake, [probe]); // once the probe is in, everything published before it has been handled
    expect((await ledgerOf(facility)).map((r) => r.event_id)).toEqual([...[0, 2, 1, 3, 4].map((i) => events[i]!.id), probe.id]);

    const compliance = await ledgerOf('MAPPINGS');
    const changeEvent = compliance.find((r) => (r.event.payload as { key?: string }).key === '12345067890')!;
    expect(changeEvent.event).toMatchObject({ type: 'mapping.change', drug: { ndc11: '12345067890', schedule: 'II' } });
    expect(changeEvent.event.payload).toMatchObject({ schedule: 'II', previous_schedule: null, changed_by: 'analyst:test…', reason: 'new package of Oxy IR; schedule II per label' });
  });

  it('releases events whose code gets mapped outside the queue (a code mapping created by an analyst)', async () => {
    await mappings.service.create('codes', { system: 'LOCAL', facility_id: facility, code: 'LOX-CAP-5', ndc11: '00591036901' }, analyst('formulary code'));
    await until('the local-code event reaches the ledger', async () => (await ledgerOf(facility)).some((r) => r.event_id === events[5]!.id));
    const row = (await ledgerOf(facility)).find((r) => r.event_id === events[5]!.id)!;
    expect(row.class).toBe('gen');
    expect(row.event.drug).toMatchObject({ ndc11: '00591036901', schedule: 'NC' });
    const pending = (await mappings.pending.list({ limit: 100 })).entries.find((p) => p.system === 'LOCAL')!;
    expect(pending).toMatchObject({ status: 'resolved', waiting: 0, resolved_by: 'system:mappings' });

    // Every event once, the chains intact, nothing parked left behind.
    const keys = (await ledgerOf(facility)).map((r) => r.idempotency_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(events.map((e) => e.idempotency_key)));
    expect((await verifyLedger(store)).ok).toBe(true);
    const [left] = await query<{ n: number }>(store.db, sql`select count(*)::int as n from mapping_parked_events where released_at is null`);
    expect(Number(left!.n)).toBe(0);
    expect((await mappings.diagnostics()).pending).toMatchObject({ open: 0, waiting_events: 0 });
  });
});
