import { and, asc, eq, gt, gte, inArray, lt, sql } from 'drizzle-orm';
import type { CanonicalEvent } from '../events/schema.ts';
import type { Store } from './db.ts';
import { iso } from './iso.ts';
import { isoUtcMillis } from './iso-timestamp-sql.ts';
import { ledger } from './schema.ts';

export interface LedgerEntry {
  /** Global insertion order; pass the last one seen as `after` to read the next page. */
  position: number;
  chain: string;
  seq: number;
  event_id: string;
  idempotency_key: string;
  type: string;
  class: string;
  /** ISO-8601 UTC with milliseconds (the event's own occurred_at text is in `event`). */
  occurred_at: string;
  /** ISO-8601 UTC with milliseconds, exactly as hashed. */
  recorded_at: string;
  prev_hash: string;
  hash: string;
  event: CanonicalEvent;
}

export interface LedgerListQuery {
  facility?: string;
  type?: string;
  /** any of these types */
  types?: readonly string[];
  /** only these events */
  eventIds?: readonly string[];
  /** one patient's events (their token, `pt_…`), or those of any of these tokens (a patient and those merged into them) */
  patientRef?: string | readonly string[];
  /** one stay's events (the visit's token, `enc_…`) */
  encounterRef?: string;
  /** recorded_at >= since */
  since?: Date;
  /** recorded_at < until */
  until?: Date;
  /** position cursor: entries after this one */
  after?: number;
  /** page size, 1..MAX_LEDGER_PAGE (larger values are capped) */
  limit: number;
}

export const MAX_LEDGER_PAGE = 1000;

const entryColumns = {
  position: ledger.position,
  chain: ledger.chain,
  seq: ledger.seq,
  event_id: ledger.eventId,
  idempotency_key: ledger.idempotencyKey,
  type: ledger.type,
  class: ledger.class,
  occurred_at: isoUtcMillis(ledger.occurredAt),
  recorded_at: isoUtcMillis(ledger.recordedAt),
  prev_hash: ledger.prevHash,
  hash: ledger.hash,
  event: ledger.event,
};

function ledgerFilter(q: Omit<LedgerListQuery, 'limit'>) {
  return and(
    q.facility !== undefined ? eq(ledger.chain, q.facility) : undefined,
    q.type !== undefined ? eq(ledger.type, q.type) : undefined,
    q.types !== undefined ? inArray(ledger.type, [...q.types]) : undefined,
    q.eventIds !== undefined ? inArray(ledger.eventId, [...q.eventIds]) : undefined,
    // The same expressions as the ledger's patient and encounter indexes (schema.ts), so that they are used.
    q.patientRef !== undefined
      ? typeof q.patientRef === 'string'
        ? sql`(${ledger.event}->>'patient_ref') = ${q.patientRef}`
        : sql`(${ledger.event}->>'patient_ref') in (${sql.join(q.patientRef.map((ref) => sql`${ref}`), sql`, `)})`
      : undefined,
    q.encounterRef !== undefined ? sql`(${ledger.event}->'payload'->>'encounter_ref') = ${q.encounterRef}` : undefined,
    q.since !== undefined ? gte(ledger.recordedAt, iso(q.since, 'since')) : undefined,
    q.until !== undefined ? lt(ledger.recordedAt, iso(q.until, 'until')) : undefined,
    q.after !== undefined ? gt(ledger.position, q.after) : undefined,
  );
}

/** The ledger in insertion order, filtered and paged by position (keyset paging: stable while rows are appended). */
export async function listLedger(store: Store, q: LedgerListQuery): Promise<{ entries: LedgerEntry[]; next_after?: number }> {
  if (!Number.isInteger(q.limit) || q.limit < 1) throw new RangeError(`ledger page limit must be a positive integer (got ${q.limit})`);
  const limit = Math.min(q.limit, MAX_LEDGER_PAGE);
  const rows: LedgerEntry[] = await store.db
    .select(entryColumns)
    .from(ledger)
    .where(ledgerFilter(q))
    .orderBy(asc(ledger.position))
    // One row more than asked tells whether there is a next page without a count.
    .limit(limit + 1);
  const entries = rows.slice(0, limit);
  const last = entries.at(-1);
  return rows.length > limit && last ? { entries, next_after: last.position } : { entries };
}

/** How many entries a listing with these filters would give, and when the first and the last were recorded. */
export async function countLedger(store: Store, q: Omit<LedgerListQuery, 'limit' | 'after'>): Promise<{ entries: number; first_recorded_at: string | null; last_recorded_at: string | null }> {
  const [row] = await store.db
    .select({
      entries: sql<string>`count(*)`,
      first: isoUtcMillis(sql`min(${ledger.recordedAt})`),
      last: isoUtcMillis(sql`max(${ledger.recordedAt})`),
    })
    .from(ledger)
    .where(ledgerFilter(q));
  return { entries: Number(row?.entries ?? 0), first_recorded_at: row?.first ?? null, last_recorded_at: row?.last ?? null };
}

const KEYS_PER_LOOKUP = 5000;

/** Which of these idempotency keys are in the ledger, and where. Keys not found are absent from the map. */
export async function findByIdempotencyKeys(
  store: Store,
  keys: string[],
): Promise<Map<string, { event_id: string; chain: string; seq: number }>> {
  const found = new Map<string, { event_id: string; chain: string; seq: number }>();
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += KEYS_PER_LOOKUP) {
    const rows = await store.db
      .select({ key: ledger.idempotencyKey, event_id: ledger.eventId, chain: ledger.chain, seq: ledger.seq })
      .from(ledger)
      .where(inArray(ledger.idempotencyKey, unique.slice(i, i + KEYS_PER_LOOKUP)));
    for (const { key, ...where } of rows) found.set(key, where);
  }
  return found;
}

/** A ledger entry as a trace shows it: where it is and what it is, without the event's content. */
export interface LedgerPlace {
  position: number;
  chain: string;
  seq: number;
  event_id: string;
  type: string;
  class: string;
  recorded_at: string;
  adapter: string;
  sender: string | null;
}

/**
 * The entries of one message: those whose event names this message id (`source.message_id`), and this sender and
 * adapter when given, in ledger order, at most `limit` (`more` says whether others follow). Uses the expression index
 * on the message id (migration 0007).
 */
export async function findLedgerByMessage(
  store: Store,
  q: { message_id: string; sender?: string | undefined; adapter?: string | undefined; limit: number },
): Promise<{ entries: LedgerPlace[]; more: boolean }> {
  const source = sql`${ledger.event}->'source'`;
  const rows: LedgerPlace[] = await store.db
    .select({
      position: ledger.position,
      chain: ledger.chain,
      seq: ledger.seq,
      event_id: ledger.eventId,
      type: ledger.type,
      class: ledger.class,
      recorded_at: isoUtcMillis(ledger.recordedAt),
      adapter: sql<string>`${source}->>'adapter'`,
      sender: sql<string | null>`${source}->>'sender'`,
    })
    .from(ledger)
    .where(
      and(
        // Spelled as the index is, so the planner uses it.
        sql`(${ledger.event}->'source'->>'message_id') = ${q.message_id}`,
        q.sender !== undefined ? sql`${source}->>'sender' = ${q.sender}` : undefined,
        q.adapter !== undefined ? sql`${source}->>'adapter' = ${q.adapter}` : undefined,
      ),
    )
    .orderBy(asc(ledger.position))
    .limit(q.limit + 1);
  return { entries: rows.slice(0, q.limit), more: rows.length > q.limit };
}

/** Who sent the event with this id and under which message id (its `source`), from the ledger; null when not there. */
export async function findSourceOfEvent(store: Store, eventId: string): Promise<{ adapter: string; sender: string | null; message_id: string } | null> {
  const source = sql`${ledger.event}->'source'`;
  const [row] = await store.db
    .select({ adapter: sql<string>`${source}->>'adapter'`, sender: sql<string | null>`${source}->>'sender'`, message_id: sql<string>`${source}->>'message_id'` })
    .from(ledger)
    .where(eq(ledger.eventId, eventId))
    .limit(1);
  return row ?? null;
}
