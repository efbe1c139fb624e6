import { createHash } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { eventClass, type CanonicalEvent } from '../events/schema.ts';
import type { Store, StoreKind, StoreTx } from './db.ts';
import { iso } from './iso.ts';
import { isoUtcMillis } from './iso-timestamp-sql.ts';
import { GENESIS_PREV_HASH, ledgerEntryHash } from './ledger-hash.ts';
import { isRetryableWriteConflict, rootMessage } from './pg-errors.ts';
import { resultRows } from './result-rows.ts';
import { ledger } from './schema.ts';
import { assertStorableEvent } from './unstorable-text.ts';

export interface AppendOutcome {
  idempotency_key: string;
  event_id: string;
  chain: string;
  seq: number;
  hash: string;
  /** ISO-8601 UTC with milliseconds. */
  recorded_at: string;
  /** true: the key was already in the ledger (or earlier in this batch); the other fields are that entry's. */
  duplicate: boolean;
}

/** Every attempt lost a race on a chain or key (or deadlocked); the caller may retry the batch later. */
export class LedgerConflictError extends Error {
  constructor(
    readonly chains: string[],
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`ledger append gave up after ${attempts} attempts on chain(s) ${chains.join(', ')}: ${rootMessage(cause)}`);
    this.name = 'LedgerConflictError';
  }
}

const MAX_ATTEMPTS = 5;
/** 12 parameters a row: 1000 rows stay far below PostgreSQL's 65535 parameters per statement. */
const ROWS_PER_INSERT = 1000;
const KEYS_PER_LOOKUP = 5000;
/** First key of the two-key advisory locks that serialise writers of one chain (ASCII "RXLG"). */
const CHAIN_LOCK_NAMESPACE = 0x52584c47;

type NewLedgerRow = typeof ledger.$inferInsert;

/**
 * Appends a batch in one transaction: duplicates (already stored, or repeated within the batch, first wins) are
 * reported with the stored entry's values; the others get the next seqs of their chains in batch order and are
 * inserted with a multi-row INSERT. A plain INSERT, never ON CONFLICT DO NOTHING: a silently skipped row would
 * leave a hole in the seqs computed after it. A unique violation (another writer got there first), serialization
 * failure or deadlock rolls back and reruns the whole call, which then sees the other writer's rows.
 * Outcomes come back in input order.
 */
export async function appendEvents(store: Store, events: CanonicalEvent[], now: () => Date): Promise<AppendOutcome[]> {
  if (events.length === 0) return [];
  for (const event of events) assertStorableEvent(event);
  let lastConflict: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      return await store.db.transaction((tx) => appendInTransaction(store.kind, tx, events, now));
    } catch (error) {
      if (!isRetryableWriteConflict(error)) throw error;
      lastConflict = error;
      await sleep(attempt * 10 + Math.random() * 20);
    }
  }
  throw new LedgerConflictError(uniqueValues(events.map((e) => e.facility_id)), MAX_ATTEMPTS, lastConflict);
}

async function appendInTransaction(kind: StoreKind, tx: StoreTx, events: CanonicalEvent[], now: () => Date): Promise<AppendOutcome[]> {
  const chains = uniqueValues(events.map((e) => e.facility_id));
  // Writers of one chain queue here instead of racing to a unique violation and a retry. PGlite has a single
  // connection and runs one transaction at a time, so it needs no lock.
  if (kind === 'postgres') await lockChains(tx, chains);

  const stored = await storedByKey(tx, uniqueValues(events.map((e) => e.idempotency_key)));
  const freshChains = uniqueValues(events.filter((e) => !stored.has(e.idempotency_key)).map((e) => e.facility_id));
  const heads = await chainHeads(tx, freshChains);
  const recordedAt = iso(now(), 'the time now() returned');

  const outcomes: AppendOutcome[] = [];
  const firstInBatch = new Map<string, AppendOutcome>();
  const rows: NewLedgerRow[] = [];
  for (const event of events) {
    const key = event.idempotency_key;
    const earlier = stored.get(key) ?? firstInBatch.get(key);
    if (earlier) {
      outcomes.push({ ...earlier, duplicate: true });
      continue;
    }
    const chain = event.facility_id;
    const head = heads.get(chain) ?? { seq: 0, hash: GENESIS_PREV_HASH };
    const seq = head.seq + 1;
    const hash = ledgerEntryHash(head.hash, { chain, seq, recorded_at: recordedAt, event });
    heads.set(chain, { seq, hash });
    rows.push({
      chain,
      seq,
      eventId: event.id,
      idempotencyKey: key,
      type: event.type,
      class: eventClass(event),
      occurredAt: event.occurred_at,
      recordedAt,
      event,
      prevHash: head.hash,
      hash,
    });
    const outcome: AppendOutcome = { idempotency_key: key, event_id: event.id, chain, seq, hash, recorded_at: recordedAt, duplicate: false };
    firstInBatch.set(key, outcome);
    outcomes.push(outcome);
  }
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await tx.insert(ledger).values(rows.slice(i, i + ROWS_PER_INSERT));
  }
  return outcomes;
}

/** Advisory transaction locks, one per chain, taken in key order so two batches touching the same chains never deadlock. */
async function lockChains(tx: StoreTx, chains: string[]): Promise<void> {
  const keys = uniqueValues(chains.map(chainLockKey)).sort((a, b) => a - b);
  await tx.execute(
    sql`select pg_advisory_xact_lock(${sql.raw(String(CHAIN_LOCK_NAMESPACE))}, k)
        from unnest(${`{${keys.join(',')}}`}::int4[]) with ordinality as t(k, i) order by i`,
  );
}

/** A stable int4 per chain name (first 4 bytes of its sha256); a collision only makes two chains share a queue. */
function chainLockKey(chain: string): number {
  return createHash('sha256').update(chain).digest().readInt32BE(0);
}

async function storedByKey(tx: StoreTx, keys: string[]): Promise<Map<string, Omit<AppendOutcome, 'duplicate'>>> {
  const found = new Map<string, Omit<AppendOutcome, 'duplicate'>>();
  for (let i = 0; i < keys.length; i += KEYS_PER_LOOKUP) {
    const rows = await tx
      .select({
        idempotency_key: ledger.idempotencyKey,
        event_id: ledger.eventId,
        chain: ledger.chain,
        seq: ledger.seq,
        hash: ledger.hash,
        recorded_at: isoUtcMillis(ledger.recordedAt),
      })
      .from(ledger)
      .where(inArray(ledger.idempotencyKey, keys.slice(i, i + KEYS_PER_LOOKUP)));
    for (const row of rows) found.set(row.idempotency_key, row);
  }
  return found;
}

/**
 * The last (seq, hash) of each chain. One index probe per chain (LATERAL ... ORDER BY seq DESC LIMIT 1) rather
 * than SELECT DISTINCT ON (chain): PostgreSQL has no skip scan, so DISTINCT ON walks every row of every chain named
 * and a batch would cost more the longer its chains grow.
 */
async function chainHeads(tx: StoreTx, chains: string[]): Promise<Map<string, { seq: number; hash: string }>> {
  const heads = new Map<string, { seq: number; hash: string }>();
  if (chains.length === 0) return heads;
  const named = sql.join(
    chains.map((chain) => sql`(${chain}::text)`),
    sql`, `,
  );
  const rows = resultRows<{ chain: string; seq: number | string; hash: string }>(
    await tx.execute(sql`
      select c.chain, h.seq, h.hash
      from (values ${named}) as c(chain)
      cross join lateral (
        select l.seq, l.hash from ${ledger} l where l.chain = c.chain order by l.seq desc limit 1
      ) h`),
  );
  for (const row of rows) heads.set(row.chain, { seq: Number(row.seq), hash: row.hash });
  return heads;
}

function uniqueValues<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
