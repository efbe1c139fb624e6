import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../events/canonical-json.ts';
import type { CanonicalEvent } from '../events/schema.ts';
import type { Store } from './db.ts';
import {
  appendEvents,
  ChainHeads,
  findByIdempotencyKeys,
  GENESIS_PREV_HASH,
  ledgerEntryHash,
  listLedger,
  UnstorableEventError,
  verifyLedger,
  type AppendOutcome,
} from './ledger.ts';
import { rootMessage } from './pg-errors.ts';
import { ledger } from './schema.ts';
import { testEvent } from './test-fixtures/canonical-events.ts';
import { asOwnerWithoutTriggers } from './test-fixtures/tamper.ts';
import { withTestStores } from './test-support.ts';

/**
 * The ledger on both backends. Every test writes its own chains (facility ids), so tests that tamper with one chain
 * (triggers disabled for a moment, as a database owner could) do not disturb the others.
 */

const stores = await withTestStores();

const at = (iso: string) => () => new Date(iso);

async function allEntries(store: Store, facility: string) {
  return (await listLedger(store, { facility, limit: 1000 })).entries;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe.each(stores)('ledger on $kind', ({ kind, store }) => {
  it('chains each facility from the genesis hash, and verifies', async () => {
    const events = [testEvent('A1', 1), testEvent('A1', 2), testEvent('A1', 3)];
    const recordedAt = '2026-03-04T05:06:07.089Z';
    const out = await appendEvents(store, events, at(recordedAt));

    // Expected hashes from DESIGN §4, link by link.
    const h1 = ledgerEntryHash(GENESIS_PREV_HASH, { chain: 'A1', seq: 1, recorded_at: recordedAt, event: events[0]! });
    const h2 = ledgerEntryHash(h1, { chain: 'A1', seq: 2, recorded_at: recordedAt, event: events[1]! });
    const h3 = ledgerEntryHash(h2, { chain: 'A1', seq: 3, recorded_at: recordedAt, event: events[2]! });
    expect(out).toEqual<AppendOutcome[]>([
      { idempotency_key: events[0]!.idempotency_key, event_id: events[0]!.id, chain: 'A1', seq: 1, hash: h1, recorded_at: recordedAt, duplicate: false },
      { idempotency_key: events[1]!.idempotency_key, event_id: events[1]!.id, chain: 'A1', seq: 2, hash: h2, recorded_at: recordedAt, duplicate: false },
      { idempotency_key: events[2]!.idempotency_key, event_id: events[2]!.id, chain: 'A1', seq: 3, hash: h3, recorded_at: recordedAt, duplicate: false },
    ]);

    const stored = await allEntries(store, 'A1');
    expect(stored.map((e) => [e.seq, e.prev_hash, e.hash])).toEqual([
      [1, GENESIS_PREV_HASH, h1],
      [2, h1, h2],
      [3, h2, h3],
    ]);
    expect(stored[0]).toMatchObject({
      chain: 'A1',
      event_id: events[0]!.id,
      idempotency_key: events[0]!.idempotency_key,
      type: 'rx.dispense',
      class: 'gen',
      occurred_at: '2026-01-01T10:00:00.000Z',
      recorded_at: recordedAt,
      event: events[0],
    });

    expect(await verifyLedger(store, { chain: 'A1' })).toEqual({
      ok: true,
      chains: [{ chain: 'A1', entries: 3, head_seq: 3, head_hash: h3 }],
    });
  });

  it('keeps interleaved facilities on independent gapless chains, across batches', async () => {
    const [b1, c1, b2, c2, b3] = [testEvent('B1', 1), testEvent('C1', 1), testEvent('B1', 2), testEvent('C1', 2), testEvent('B1', 3)];
    const first = await appendEvents(store, [b1!, c1!, b2!, c2!, b3!], at('2026-03-04T05:06:07.000Z'));
    expect(first.map((o) => [o.chain, o.seq])).toEqual([
      ['B1', 1],
      ['C1', 1],
      ['B1', 2],
      ['C1', 2],
      ['B1', 3],
    ]);
    const second = await appendEvents(store, [testEvent('C1', 3), testEvent('B1', 4)], at('2026-03-04T05:06:08.000Z'));
    expect(second.map((o) => [o.chain, o.seq])).toEqual([
      ['C1', 3],
      ['B1', 4],
    ]);
    // The second batch continues each chain from its own head.
    const c = await allEntries(store, 'C1');
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(c[2]!.prev_hash).toBe(first[3]!.hash);
    const b = await allEntries(store, 'B1');
    expect(b[3]!.prev_hash).toBe(first[4]!.hash);
    // Global positions follow the batch order.
    const positions = [...b, ...c].sort((x, y) => x.position - y.position).map((e) => `${e.chain}:${e.seq}`);
    expect(positions).toEqual(['B1:1', 'C1:1', 'B1:2', 'C1:2', 'B1:3', 'C1:3', 'B1:4']);

    const report = await verifyLedger(store);
    expect(report.ok).toBe(true);
    expect(report.chains.filter((x) => x.chain === 'B1' || x.chain === 'C1')).toEqual([
      { chain: 'B1', entries: 4, head_seq: 4, head_hash: second[1]!.hash },
      { chain: 'C1', entries: 3, head_seq: 3, head_hash: second[0]!.hash },
    ]);
  });

  it('hashes at append exactly what it recomputes from the database (numbers, key order, escapes)', async () => {
    const awkward = testEvent('R1', 1, {
      quantity: { value: -0, unit: 'mL' },
      payload: {
        numbers: [1e21, 1e-7, -0, 0.1, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 9007199254740993, 123.456e5, -1.5e-300],
        keys: { z: 1, a: 2, é: 3, '\u20ac': 4, '\ud83d\ude00': 5, '\ufb33': 6, '\r': 7, '10': 8, '9': 9, '': 10 },
        text: 'quote " backslash \\ controls \u0001\u001f\u007f newline \n tab \t unicode é 😀 \u2028 slash /',
        nested: [[], {}, [null, true, false], { deep: { deeper: [1, 'two', { three: 3 }] } }],
        dropped: undefined,
      },
    });
    const [outcome] = await appendEvents(store, [awkward], at('2026-03-04T05:06:07.001Z'));
    const [entry] = await allEntries(store, 'R1');
    // What comes back is the JSON meaning of what went in (-0 is 0, undefined members are gone)...
    expect(entry!.event).toEqual(JSON.parse(canonicalJson(awkward)));
    // ...its canonical form is byte for byte the one hashed at append...
    expect(canonicalJson(entry!.event)).toBe(canonicalJson(awkward));
    // ...and so the hash recomputed from the row is the one stored.
    expect(ledgerEntryHash(entry!.prev_hash, { chain: 'R1', seq: 1, recorded_at: entry!.recorded_at, event: entry!.event })).toBe(outcome!.hash);
    expect(await verifyLedger(store, { chain: 'R1' })).toMatchObject({ ok: true });
  });

  it('names a changed event as hash_mismatch at its chain and seq, with the recomputed and the stored hash', async () => {
    const events = [testEvent('T1', 1), testEvent('T1', 2), testEvent('T1', 3)];
    const recordedAt = '2026-03-04T05:06:07.500Z';
    const out = await appendEvents(store, events, at(recordedAt));
    await asOwnerWithoutTriggers(store, 'ledger', sql`update ledger set event = jsonb_set(event, '{quantity,value}', '31') where chain = 'T1' and seq = 2`);

    const tampered = { ...events[1]!, quantity: { value: 31, unit: 'tablet' } } as CanonicalEvent;
    const recomputed = ledgerEntryHash(out[0]!.hash, { chain: 'T1', seq: 2, recorded_at: recordedAt, event: tampered });
    const report = await verifyLedger(store, { chain: 'T1' });
    expect(report.ok).toBe(false);
    expect(report.first_break).toEqual({
      chain: 'T1',
      seq: 2,
      kind: 'hash_mismatch',
      expected_hash: recomputed,
      found_hash: out[1]!.hash,
      message: 'chain T1: entry 2 was changed after it was recorded (its content no longer matches its hash)',
    });
    // The later entry still points at the stored hash, so the break is reported once, where it is.
    expect(report.chains).toEqual([{ chain: 'T1', entries: 3, head_seq: 3, head_hash: out[2]!.hash }]);
  });

  it('names a deleted entry as a gap (expected_seq, found_seq)', async () => {
    await appendEvents(store, [1, 2, 3, 4].map((n) => testEvent('G1', n)), at('2026-03-04T05:06:07.000Z'));
    await asOwnerWithoutTriggers(store, 'ledger', sql`delete from ledger where chain = 'G1' and seq = 2`);
    expect((await verifyLedger(store, { chain: 'G1' })).first_break).toEqual({
      chain: 'G1',
      seq: 2,
      kind: 'gap',
      expected_seq: 2,
      found_seq: 3,
      message: 'chain G1: entry 2 is missing (the entry after 1 is 3)',
    });
  });

  it('names a rewritten prev_hash as prev_hash_mismatch', async () => {
    const out = await appendEvents(store, [1, 2, 3].map((n) => testEvent('P1', n)), at('2026-03-04T05:06:07.000Z'));
    const forged = 'f'.repeat(64);
    await asOwnerWithoutTriggers(store, 'ledger', sql`update ledger set prev_hash = ${forged} where chain = 'P1' and seq = 3`);
    expect((await verifyLedger(store, { chain: 'P1' })).first_break).toMatchObject({
      chain: 'P1',
      seq: 3,
      kind: 'prev_hash_mismatch',
      expected_hash: out[1]!.hash,
      found_hash: forged,
    });
  });

  it('names an indexed column that no longer matches the hashed event as column_mismatch', async () => {
    await appendEvents(store, [testEvent('K1', 1)], at('2026-03-04T05:06:07.000Z'));
    await asOwnerWithoutTriggers(store, 'ledger', sql`update ledger set type = 'inv.waste' where chain = 'K1' and seq = 1`);
    expect((await verifyLedger(store, { chain: 'K1' })).first_break).toMatchObject({
      chain: 'K1',
      seq: 1,
      kind: 'column_mismatch',
      column: 'type',
      expected_value: 'rx.dispense',
      found_value: 'inv.waste',
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE with the append-only message, and keeps the rows', async () => {
    await appendEvents(store, [testEvent('U1', 1)], at('2026-03-04T05:06:07.000Z'));
    const refusals = [
      await failureOf(store.rows(sql`update ledger set type = 'x' where chain = 'U1'`)),
      await failureOf(store.rows(sql`delete from ledger where chain = 'U1'`)),
      await failureOf(store.rows(sql`truncate ledger`)),
      await failureOf(store.db.update(ledger).set({ class: 'ctl' })),
    ];
    for (const error of refusals) expect(rootMessage(error)).toBe('ledger is append-only: corrections are new events');
    expect(await allEntries(store, 'U1')).toHaveLength(1);
  });

  it('stores an event once: a repeat in the batch or in a later batch is a duplicate of the first', async () => {
    const original = testEvent('D1', 1);
    const sameKeyOtherId = testEvent('D1', 1); // same message, so same idempotency key; a fresh event id
    expect(sameKeyOtherId.id).not.toBe(original.id);
    const first = await appendEvents(store, [original, testEvent('D1', 2), sameKeyOtherId], at('2026-03-04T05:06:07.000Z'));
    expect(first.map((o) => [o.seq, o.duplicate, o.event_id])).toEqual([
      [1, false, original.id],
      [2, false, first[1]!.event_id],
      [1, true, original.id],
    ]);
    expect(first[2]).toEqual({ ...first[0], duplicate: true });

    const later = await appendEvents(store, [sameKeyOtherId, testEvent('D1', 3)], at('2026-03-04T05:06:09.000Z'));
    // The duplicate reports the stored entry, recorded_at included; the new event takes the next seq, no gap.
    expect(later[0]).toEqual({ ...first[0], duplicate: true });
    expect(later[1]).toMatchObject({ chain: 'D1', seq: 3, duplicate: false });
    expect((await allEntries(store, 'D1')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await verifyLedger(store, { chain: 'D1' })).toMatchObject({ ok: true });
  });

  it('keeps chains gapless under concurrent appends (pool > 1 on PostgreSQL)', async () => {
    const calls = Array.from({ length: 8 }, (_, call) =>
      // Each call touches both chains, in opposite orders for odd and even calls, to invite lock-order deadlocks.
      Array.from({ length: 5 }, (_, i) => testEvent(call % 2 ? 'X1' : 'X2', call * 10 + i)).concat(
        Array.from({ length: 3 }, (_, i) => testEvent(call % 2 ? 'X2' : 'X1', 1000 + call * 10 + i)),
      ),
    );
    const outcomes = (await Promise.all(calls.map((events) => appendEvents(store, events, () => new Date())))).flat();
    expect(outcomes.every((o) => !o.duplicate)).toBe(true);
    for (const chain of ['X1', 'X2']) {
      const seqs = outcomes.filter((o) => o.chain === chain).map((o) => o.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    }
    const report = await verifyLedger(store);
    expect(report.chains.filter((c) => c.chain.startsWith('X'))).toMatchObject([
      { chain: 'X1', entries: 32, head_seq: 32 },
      { chain: 'X2', entries: 32, head_seq: 32 },
    ]);
    expect((await verifyLedger(store, { chain: 'X1' })).ok).toBe(true);
    expect((await verifyLedger(store, { chain: 'X2' })).ok).toBe(true);
  });

  it.runIf(kind === 'postgres')('retries when a writer that skipped the chain lock takes the next seq first', async () => {
    const [head] = await appendEvents(store, [testEvent('W1', 1)], at('2026-03-04T05:06:07.000Z'));
    const rogueEvent = testEvent('W1', 2);
    const rogueRecordedAt = '2026-03-04T05:06:08.000Z';
    let letRogueCommit!: () => void;
    const rogueMayCommit = new Promise<void>((resolve) => (letRogueCommit = resolve));
    let rogueHasInserted!: () => void;
    const rogueInserted = new Promise<void>((resolve) => (rogueHasInserted = resolve));
    const rogue = store.db.transaction(async (tx) => {
      await tx.insert(ledger).values({
        chain: 'W1',
        seq: 2,
        eventId: rogueEvent.id,
        idempotencyKey: rogueEvent.idempotency_key,
        type: rogueEvent.type,
        class: 'gen',
        occurredAt: rogueEvent.occurred_at,
        recordedAt: rogueRecordedAt,
        event: rogueEvent,
        prevHash: head!.hash,
        hash: ledgerEntryHash(head!.hash, { chain: 'W1', seq: 2, recorded_at: rogueRecordedAt, event: rogueEvent }),
      });
      rogueHasInserted();
      await rogueMayCommit;
    });
    // The rogue's seq 2 must be in place (uncommitted) before the append starts, or the append simply wins.
    await rogueInserted;
    const appending = appendEvents(store, [testEvent('W1', 3)], at('2026-03-04T05:06:09.000Z'));
    // Wait until appendEvents is blocked on the rogue's uncommitted seq 2, then let the rogue commit.
    for (let i = 0; i < 200; i++) {
      const [waiting] = await store.rows<{ n: number }>(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    letRogueCommit();
    await rogue;
    const [outcome] = await appending;
    expect(outcome).toMatchObject({ chain: 'W1', seq: 3, duplicate: false });
    expect(await verifyLedger(store, { chain: 'W1' })).toMatchObject({ ok: true, chains: [{ chain: 'W1', entries: 3, head_seq: 3 }] });
  });

  it('with remembered heads, appends in one statement and falls back when a key is stored or another writer moved the chain', async () => {
    const heads = new ChainHeads();
    const first = await appendEvents(store, [testEvent('H1', 1), testEvent('H1', 2)], at('2026-03-04T05:06:07.000Z'), heads);
    expect(first.map((o) => o.seq)).toEqual([1, 2]);
    expect(heads.get('H1')).toEqual({ seq: 2, hash: first[1]!.hash });

    // A redelivered event (key already stored) with a new one: the single INSERT fails on the key, the careful path
    // reports the duplicate and appends the new one right after the head.
    const again = await appendEvents(store, [testEvent('H1', 2), testEvent('H1', 3)], at('2026-03-04T05:06:08.000Z'), heads);
    expect(again.map((o) => [o.seq, o.duplicate])).toEqual([
      [2, true],
      [3, false],
    ]);

    // Another writer (no shared memory) appends to the chain: the remembered head is stale, (chain, seq) refuses the
    // fast INSERT, and the careful path continues from the real head.
    await appendEvents(store, [testEvent('H1', 4)], at('2026-03-04T05:06:09.000Z'));
    heads.set('H1', { seq: 3, hash: again[1]!.hash }); // what this writer still believes
    const after = await appendEvents(store, [testEvent('H1', 5)], at('2026-03-04T05:06:10.000Z'), heads);
    expect(after[0]).toMatchObject({ seq: 5, duplicate: false });
    expect((await allEntries(store, 'H1')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await verifyLedger(store, { chain: 'H1' })).toMatchObject({ ok: true });
  });

  it('refuses an event jsonb cannot hold, naming it, and stores nothing of its batch', async () => {
    const bad = testEvent('N1', 2, { payload: { note: 'nul \u0000 here' } });
    const error = await failureOf(appendEvents(store, [testEvent('N1', 1), bad], () => new Date()));
    expect(error).toBeInstanceOf(UnstorableEventError);
    expect(error).toMatchObject({ eventId: bad.id, path: '$.payload.note', reason: 'nul_character' });
    expect(await allEntries(store, 'N1')).toEqual([]);
  });

  it('finds entries by idempotency key', async () => {
    const [e1, e2] = [testEvent('F9', 1), testEvent('F9', 2)];
    await appendEvents(store, [e1!, e2!], () => new Date());
    const found = await findByIdempotencyKeys(store, [e2!.idempotency_key, 'f'.repeat(64), e1!.idempotency_key, e1!.idempotency_key]);
    expect([...found.entries()].sort(([, a], [, b]) => a.seq - b.seq)).toEqual([
      [e1!.idempotency_key, { event_id: e1!.id, chain: 'F9', seq: 1 }],
      [e2!.idempotency_key, { event_id: e2!.id, chain: 'F9', seq: 2 }],
    ]);
    expect((await findByIdempotencyKeys(store, [])).size).toBe(0);
  });

  it('lists by facility, type and recording time, paging by position', async () => {
    await appendEvents(store, [testEvent('L1', 1), testEvent('L1', 2, { type: 'inv.receipt' }), testEvent('L2', 1)], at('2026-05-01T00:00:00.000Z'));
    await appendEvents(store, [testEvent('L1', 3), testEvent('L1', 4, { type: 'inv.receipt' })], at('2026-05-02T00:00:00.000Z'));

    const page1 = await listLedger(store, { facility: 'L1', limit: 3 });
    expect(page1.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(page1.next_after).toBe(page1.entries[2]!.position);
    const page2 = await listLedger(store, { facility: 'L1', limit: 3, after: page1.next_after });
    expect(page2.entries.map((e) => e.seq)).toEqual([4]);
    expect(page2.next_after).toBeUndefined();

    const receipts = await listLedger(store, { facility: 'L1', type: 'inv.receipt', limit: 10 });
    expect(receipts.entries.map((e) => e.seq)).toEqual([2, 4]);

    const sinceDay2 = await listLedger(store, { facility: 'L1', since: new Date('2026-05-02T00:00:00.000Z'), limit: 10 });
    expect(sinceDay2.entries.map((e) => e.seq)).toEqual([3, 4]);
    const untilDay2 = await listLedger(store, { since: new Date('2026-05-01T00:00:00.000Z'), until: new Date('2026-05-02T00:00:00.000Z'), limit: 10 });
    expect(untilDay2.entries.map((e) => `${e.chain}:${e.seq}`)).toEqual(['L1:1', 'L1:2', 'L2:1']);

    await expect(listLedger(store, { limit: 0 })).rejects.toThrow(RangeError);
  });
});
