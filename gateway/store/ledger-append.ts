import { createHash } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { eventClass, type CanonicalEvent } from '../events/schema.ts';
import type { Store, StoreDb, StoreKind, StoreTx } from './db.ts';
import { iso } from './iso.ts';
import { isoUtcMillis } from './iso-timestamp-sql.ts';
import { GENESIS_PREV_HASH, ledgerEntryHashFromJson } from './ledger-hash.ts';
import { isRetryableWriteConflict, rootMessage } from './pg-errors.ts';
import { resultRows } from './result-rows.ts';
import { ledger } from './schema.ts';
import { storableEventJson } from './unstorable-text.ts';

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
const KEYS_PER_LOOKUP = 5000;
/** First key of the two-key advisory locks that serialise writers of one chain (ASCII "RXLG"). */
const CHAIN_LOCK_NAMESPACE = 0x52584c47;

/** One row as it travels to PostgreSQL inside the JSON array that jsonb_to_recordset unpacks. */
interface InsertRow {
  chain: string;
  seq: number;
  eventId: string;
  key: string;
  type: string;
  cls: string;
  occurredAt: string;
  eventJson: string;
  prevHash: string;
  hash: string;
}

/**
 * The last (seq, hash) of the chains one writer appends to. A ledger writer owns its partition (lease), so between
 * its own appends nobody else should move its chains: with the heads remembered, an append is one INSERT statement
 * (one round trip, its own transaction) instead of a locked read-then-write transaction. Should anybody else have
 * appended after all, the INSERT hits the unique (chain, seq) key, the heads are forgotten and the careful path runs.
 */
export class ChainHeads {
  private readonly heads = new Map<string, ChainHead>();
  get(chain: string): ChainHead | undefined {
    return this.heads.get(chain);
  }
  set(chain: string, head: ChainHead): void {
    this.heads.set(chain, head);
  }
  clear(): void {
    this.heads.clear();
  }
}

interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Appends a batch atomically: duplicates (already stored, or repeated within the batch, first wins) are reported
 * with the stored entry's values; the others get the next seqs of their chains in batch order and are inserted in
 * one statement. A plain INSERT, never ON CONFLICT DO NOTHING: a silently skipped row would leave a hole in the
 * seqs computed after it. With `remembered` heads the fast path tries a single INSERT first; any unique violation
 * there (a key already stored, or another writer on the chain) falls back to the careful path: one transaction that
 * locks the chains, reads the stored keys and the heads, and inserts. A unique violation, serialization failure or
 * deadlock on that path reruns it. Outcomes come back in input order.
 *
 * `texts`: the events' RFC 8785 texts where the caller has them from storableEventJson (the ledger writer has the
 * text it published); the others are serialised, and checked storable, here.
 */
export async function appendEvents(
  store: Store,
  events: CanonicalEvent[],
  now: () => Date,
  remembered?: ChainHeads,
  texts?: readonly (string | undefined)[],
): Promise<AppendOutcome[]> {
  if (events.length === 0) return [];
  const batch: EventWithText[] = events.map((event, i) => ({ event, text: texts?.[i] ?? storableEventJson(event) }));
  if (remembered) {
    try {
      return await appendWithRememberedHeads(store, batch, now, remembered);
    } catch (error) {
      remembered.clear();
      if (!isRetryableWriteConflict(error)) throw error;
    }
  }
  let lastConflict: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      return await store.db.transaction((tx) => appendInTransaction(store.kind, tx, batch, now));
    } catch (error) {
      if (!isRetryableWriteConflict(error)) throw error;
      lastConflict = error;
      await sleep(attempt * 10 + Math.random() * 20);
    }
  }
  throw new LedgerConflictError(uniqueValues(events.map((e) => e.facility_id)), MAX_ATTEMPTS, lastConflict);
}

/** An event with its RFC 8785 text (storableEventJson), which is hashed and stored as it is. */
interface EventWithText {
  event: CanonicalEvent;
  text: string;
}

async function appendWithRememberedHeads(
  store: Store,
  events: EventWithText[],
  now: () => Date,
  remembered: ChainHeads,
): Promise<AppendOutcome[]> {
  const chains = uniqueValues(events.map((e) => e.event.facility_id));
  const unknown = chains.filter((c) => !remembered.get(c));
  const heads = unknown.length > 0 ? await chainHeads(store.db, unknown) : new Map<string, ChainHead>();
  for (const c of chains) {
    const head = remembered.get(c);
    if (head) heads.set(c, head);
  }
  const recordedAt = iso(now(), 'the time now() returned');
  const plan = planAppend(events, new Map(), heads, recordedAt);
  if (plan.rows.length > 0) await insertRows(store.db, plan.rows, recordedAt);
  for (const [chain, head] of plan.heads) remembered.set(chain, head);
  return plan.outcomes;
}

async function appendInTransaction(kind: StoreKind, tx: StoreTx, events: EventWithText[], now: () => Date): Promise<AppendOutcome[]> {
  const chains = uniqueValues(events.map((e) => e.event.facility_id));
  // Writers of one chain queue here instead of racing to a unique violation and a retry. PGlite has a single
  // connection and runs one transaction at a time, so it needs no lock.
  if (kind === 'postgres') await lockChains(tx, chains);

  const stored = await storedByKey(tx, uniqueValues(events.map((e) => e.event.idempotency_key)));
  const freshChains = uniqueValues(events.filter((e) => !stored.has(e.event.idempotency_key)).map((e) => e.event.facility_id));
  const heads = await chainHeads(tx, freshChains);
  const recordedAt = iso(now(), 'the time now() returned');
  const plan = planAppend(events, stored, heads, recordedAt);
  if (plan.rows.length > 0) await insertRows(tx, plan.rows, recordedAt);
  return plan.outcomes;
}

/** Seqs and hashes for a batch, given what is stored and where each chain ends; pure. */
function planAppend(
  events: EventWithText[],
  stored: Map<string, Omit<AppendOutcome, 'duplicate'>>,
  heads: Map<string, ChainHead>,
  recordedAt: string,
): { outcomes: AppendOutcome[]; rows: InsertRow[]; heads: Map<string, ChainHead> } {
  const outcomes: AppendOutcome[] = [];
  const firstInBatch = new Map<string, AppendOutcome>();
  const rows: InsertRow[] = [];
  const after = new Map(heads);
  for (const { event, text: eventJson } of events) {
    const key = event.idempotency_key;
    const earlier = stored.get(key) ?? firstInBatch.get(key);
    if (earlier) {
      outcomes.push({ ...earlier, duplicate: true });
      continue;
    }
    const chain = event.facility_id;
    const head = after.get(chain) ?? { seq: 0, hash: GENESIS_PREV_HASH };
    const seq = head.seq + 1;
    const hash = ledgerEntryHashFromJson(head.hash, { chain, seq, recorded_at: recordedAt }, eventJson);
    after.set(chain, { seq, hash });
    rows.push({
      chain,
      seq,
      eventId: event.id,
      key,
      type: event.type,
      cls: eventClass(event),
      occurredAt: event.occurred_at,
      eventJson,
      prevHash: head.hash,
      hash,
    });
    const outcome: AppendOutcome = { idempotency_key: key, event_id: event.id, chain, seq, hash, recorded_at: recordedAt, duplicate: false };
    firstInBatch.set(key, outcome);
    outcomes.push(outcome);
  }
  return { outcomes, rows, heads: after };
}

/**
 * All rows in one statement with one parameter: a JSON array unpacked by jsonb_to_recordset. Building a
 * multi-row INSERT through the query builder cost more CPU than the rest of the append together (12 bound
 * parameters a row), and the event goes in as the very canonical text that was hashed. Rows keep the batch order
 * (WITH ORDINALITY), so ledger positions follow it.
 */
async function insertRows(tx: StoreTx | StoreDb, rows: InsertRow[], recordedAt: string): Promise<void> {
  const json = `[${rows
    .map(
      (r) =>
        `{"chain":${JSON.stringify(r.chain)},"seq":${r.seq},"event_id":"${r.eventId}","idempotency_key":"${r.key}",` +
        `"type":${JSON.stringify(r.type)},"class":"${r.cls}","occurred_at":${JSON.stringify(r.occurredAt)},` +
        `"event":${r.eventJson},"prev_hash":"${r.prevHash}","hash":"${r.hash}"}`,
    )
    .join(',')}]`;
  await tx.execute(sql`
    insert into ${ledger} (chain, seq, event_id, idempotency_key, type, class, occurred_at, recorded_at, event, prev_hash, hash)
    select r.chain, r.seq, r.event_id, r.idempotency_key, r.type, r.class, r.occurred_at, ${recordedAt}::timestamptz, r.event,
           r.prev_hash, r.hash
    from rows from (jsonb_to_recordset(${json}::jsonb) as (chain text, seq bigint, event_id uuid, idempotency_key text,
      type text, class text, occurred_at timestamptz, event jsonb, prev_hash text, hash text))
      with ordinality as r(chain, seq, event_id, idempotency_key, type, class, occurred_at, event, prev_hash, hash, ord)
    order by r.ord`);
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
async function chainHeads(tx: StoreTx | StoreDb, chains: string[]): Promise<Map<string, ChainHead>> {
  const heads = new Map<string, ChainHead>();
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
