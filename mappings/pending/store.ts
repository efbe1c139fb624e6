import { sql } from 'drizzle-orm';
import type { CanonicalEvent } from '../../gateway/events/schema.ts';
import { parkedEvents, pendingCodes } from '../schema.ts';
import { insertRecords, isoOf, query, type Executor } from '../sql.ts';
import type { PendingKey } from './keys.ts';

/**
 * The pending codes and the events parked on them. Unlike the mapping tables these rows change (a pending code
 * is opened, resolved, reopened; a parked event is released); what an analyst decided is kept in the mapping
 * versions the resolution writes, and the parked event itself is kept whole.
 */

export interface PendingEntry {
  id: number;
  system: string;
  facility_id: string;
  code: string;
  display: string | null;
  status: 'open' | 'resolved';
  first_seen_at: string;
  last_seen_at: string;
  /** events ever parked on this code */
  events_total: number;
  /** events parked and not yet released: what a resolution releases */
  waiting: number;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: Record<string, unknown> | null;
}

export interface ParkedEvent {
  id: number;
  stream_seq: number;
  idempotency_key: string;
  event_id: string;
  facility_id: string;
  type: string;
  pending_id: number;
  event: CanonicalEvent;
  parked_at: string;
  released_at: string | null;
  released_class: string | null;
}

const pendingColumns = sql`p.id, p.system, p.facility_id, p.code, p.display, p.status, ${isoOf(sql`p.first_seen_at`)} as first_seen_at,
  ${isoOf(sql`p.last_seen_at`)} as last_seen_at, p.events_total,
  (select count(*) from mapping_parked_events e where e.pending_id = p.id and e.released_at is null)::int as waiting,
  ${isoOf(sql`p.resolved_at`)} as resolved_at, p.resolved_by, p.resolution`;

function toPending(r: Record<string, unknown>): PendingEntry {
  return { ...(r as unknown as PendingEntry), id: Number(r.id), events_total: Number(r.events_total), waiting: Number(r.waiting) };
}

const parkedColumns = sql`e.id, e.stream_seq, e.idempotency_key, e.event_id, e.facility_id, e.type, e.pending_id, e.event,
  ${isoOf(sql`e.parked_at`)} as parked_at, ${isoOf(sql`e.released_at`)} as released_at, e.released_class`;

function toParked(r: Record<string, unknown>): ParkedEvent {
  return { ...(r as unknown as ParkedEvent), id: Number(r.id), stream_seq: Number(r.stream_seq), pending_id: Number(r.pending_id) };
}

/**
 * Opens (or touches) a pending code and returns its id. `reopen`: the code does not resolve now, so a resolved
 * entry goes back to open (its mapping was removed, say).
 */
export async function upsertPending(exec: Executor, key: PendingKey, now: string, reopen: boolean): Promise<number> {
  const [row] = await query<{ id: number }>(
    exec,
    sql`insert into ${pendingCodes} (system, facility_id, code, display, status, first_seen_at, last_seen_at, events_total)
        values (${key.system}, ${key.facility_id}, ${key.code}, ${key.display}, 'open', ${now}, ${now}, 0)
        on conflict (system, facility_id, code) do update set
          last_seen_at = excluded.last_seen_at,
          display = coalesce(excluded.display, ${pendingCodes}.display),
          status = case when ${reopen} then 'open' else ${pendingCodes}.status end,
          resolved_at = case when ${reopen} then null else ${pendingCodes}.resolved_at end,
          resolved_by = case when ${reopen} then null else ${pendingCodes}.resolved_by end,
          resolution = case when ${reopen} then null else ${pendingCodes}.resolution end
        returning id`,
  );
  return Number(row!.id);
}

/** Parks events (a redelivered one, same idempotency key, is ignored); counts them on their pending codes. */
export async function insertParked(
  exec: Executor,
  items: readonly { event: CanonicalEvent; streamSeq: number; pendingId: number }[],
  now: string,
): Promise<Set<string>> {
  const inserted = await insertRecords(
    exec,
    parkedEvents,
    items.map((i) => ({
      stream_seq: i.streamSeq,
      idempotency_key: i.event.idempotency_key,
      event_id: i.event.id,
      facility_id: i.event.facility_id,
      type: i.event.type,
      pending_id: i.pendingId,
      event: i.event,
      parked_at: now,
    })),
    { onConflict: sql` on conflict (idempotency_key) do nothing`, returning: ['idempotency_key', 'pending_id'] },
  );
  const counts = new Map<number, number>();
  for (const r of inserted) counts.set(Number(r.pending_id), (counts.get(Number(r.pending_id)) ?? 0) + 1);
  for (const [id, n] of counts) await exec.execute(sql`update ${pendingCodes} set events_total = events_total + ${n} where id = ${id}`);
  return new Set(inserted.map((r) => String(r.idempotency_key)));
}

/** Parked events by idempotency key (the intake asks when a ledger commit announcement was missed). */
export async function findParkedByKeys(exec: Executor, keys: readonly string[]): Promise<Map<string, { event_id: string; facility_id: string; released: boolean }>> {
  const out = new Map<string, { event_id: string; facility_id: string; released: boolean }>();
  if (keys.length === 0) return out;
  const rows = await query<{ idempotency_key: string; event_id: string; facility_id: string; released: boolean }>(
    exec,
    sql`select idempotency_key, event_id, facility_id, released_at is not null as released from ${parkedEvents}
        where idempotency_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`,
  );
  for (const r of rows) out.set(r.idempotency_key, { event_id: r.event_id, facility_id: r.facility_id, released: r.released });
  return out;
}

/** A parked event as a trace shows it: what it waits for, without the event's content. */
export interface ParkedPlace {
  event_id: string;
  facility_id: string;
  type: string;
  /** the pending code it waits on (GET /api/mappings/pending/{id}) and the drug code that has no mapping */
  pending_id: number;
  system: string;
  code: string;
  parked_at: string;
  /** when its drug was mapped and it went on to the ledger; null while it waits */
  released_at: string | null;
  adapter: string;
  sender: string | null;
}

/**
 * The parked events of one message: those whose event names this message id (and this sender and adapter when
 * given), oldest first, at most `limit`. Uses the expression index on the message id (migration 0007).
 */
export async function findParkedByMessage(
  exec: Executor,
  q: { message_id: string; sender?: string | undefined; adapter?: string | undefined; limit: number },
): Promise<{ entries: ParkedPlace[]; more: boolean }> {
  const rows = await query<ParkedPlace>(
    exec,
    sql`select e.event_id, e.facility_id, e.type, e.pending_id, p.system, p.code, ${isoOf(sql`e.parked_at`)} as parked_at,
          ${isoOf(sql`e.released_at`)} as released_at, e.event->'source'->>'adapter' as adapter, e.event->'source'->>'sender' as sender
        from ${parkedEvents} e join ${pendingCodes} p on p.id = e.pending_id
        where (e.event->'source'->>'message_id') = ${q.message_id}
          ${q.sender !== undefined ? sql`and e.event->'source'->>'sender' = ${q.sender}` : sql``}
          ${q.adapter !== undefined ? sql`and e.event->'source'->>'adapter' = ${q.adapter}` : sql``}
        order by e.id limit ${q.limit + 1}`,
  );
  return { entries: rows.slice(0, q.limit).map((r) => ({ ...r, pending_id: Number(r.pending_id) })), more: rows.length > q.limit };
}

/** Who sent a parked event and under which message id (its `source`); null when no event of that id is parked. */
export async function findParkedSource(exec: Executor, eventId: string): Promise<{ adapter: string; sender: string | null; message_id: string } | null> {
  const rows = await query<{ adapter: string; sender: string | null; message_id: string }>(
    exec,
    sql`select e.event->'source'->>'adapter' as adapter, e.event->'source'->>'sender' as sender, e.event->'source'->>'message_id' as message_id
        from ${parkedEvents} e where e.event_id = ${eventId} limit 1`,
  );
  return rows[0] ?? null;
}

export async function getPending(exec: Executor, id: number): Promise<PendingEntry | undefined> {
  const rows = await query(exec, sql`select ${pendingColumns} from ${pendingCodes} p where p.id = ${id}`);
  return rows[0] ? toPending(rows[0]) : undefined;
}

export async function findPendingByCode(exec: Executor, key: Pick<PendingKey, 'system' | 'facility_id' | 'code'>): Promise<PendingEntry | undefined> {
  const rows = await query(exec, sql`select ${pendingColumns} from ${pendingCodes} p where p.system = ${key.system} and p.facility_id = ${key.facility_id} and p.code = ${key.code}`);
  return rows[0] ? toPending(rows[0]) : undefined;
}

export interface PendingListQuery {
  status?: 'open' | 'resolved';
  /** only entries with events still waiting */
  waiting?: boolean;
  after?: number;
  limit: number;
}

/** Pending codes, newest id first when paging by `after` (an id cursor); most waiting events first is the UI's sort. */
export async function listPending(exec: Executor, q: PendingListQuery): Promise<{ entries: PendingEntry[]; next_after?: number }> {
  const where = [sql`true`];
  if (q.status) where.push(sql`p.status = ${q.status}`);
  if (q.after !== undefined) where.push(sql`p.id > ${q.after}`);
  const limit = Math.max(1, Math.min(q.limit, 1000));
  const rows = await query(exec, sql`select * from (select ${pendingColumns} from ${pendingCodes} p where ${sql.join(where, sql` and `)}) p
    ${q.waiting ? sql`where p.waiting > 0` : sql``} order by p.id limit ${limit + 1}`);
  const entries = rows.slice(0, limit).map(toPending);
  return rows.length > limit ? { entries, next_after: entries[entries.length - 1]!.id } : { entries };
}

/** Events of a pending code still parked, in the order the bus accepted them. */
export async function unreleasedOf(exec: Executor, pendingId: number, limit = 10_000): Promise<ParkedEvent[]> {
  const rows = await query(exec, sql`select ${parkedColumns} from ${parkedEvents} e where e.pending_id = ${pendingId} and e.released_at is null order by e.stream_seq, e.id limit ${limit}`);
  return rows.map(toParked);
}

export async function parkedOf(exec: Executor, pendingId: number, limit = 100): Promise<ParkedEvent[]> {
  const rows = await query(exec, sql`select ${parkedColumns} from ${parkedEvents} e where e.pending_id = ${pendingId} order by e.stream_seq, e.id limit ${limit}`);
  return rows.map(toParked);
}

export async function markReleased(exec: Executor, released: readonly { id: number; cls: string }[], now: string): Promise<void> {
  if (released.length === 0) return;
  await exec.execute(sql`update ${parkedEvents} e set released_at = ${now}, released_class = x.cls
    from jsonb_to_recordset(${JSON.stringify(released)}::jsonb) as x(id bigint, cls text) where e.id = x.id and e.released_at is null`);
}

/** Marks a pending code resolved; with onlyIfOpen (the gateway's own sweep) an analyst's resolution is never overwritten. */
export async function markResolved(
  exec: Executor,
  id: number,
  resolution: Record<string, unknown>,
  actor: string,
  now: string,
  opts: { onlyIfOpen?: boolean } = {},
): Promise<boolean> {
  const rows = await query(
    exec,
    sql`update ${pendingCodes} set status = 'resolved', resolved_at = ${now}, resolved_by = ${actor}, resolution = ${JSON.stringify(resolution)}::jsonb
        where id = ${id} ${opts.onlyIfOpen ? sql`and status = 'open'` : sql``} returning id`,
  );
  return rows.length > 0;
}

/** Pending codes worth a sweep: open ones with waiting events, and resolved ones whose events are not all released. */
export async function sweepCandidates(exec: Executor, limit = 1000): Promise<PendingEntry[]> {
  const rows = await query(exec, sql`select * from (select ${pendingColumns} from ${pendingCodes} p) p where p.waiting > 0 order by p.id limit ${limit}`);
  return rows.map(toPending);
}

/** Totals for diagnostics: open pending codes and the events waiting on any code. */
export async function pendingTotals(exec: Executor): Promise<{ open: number; waiting_events: number; codes_with_waiting: number }> {
  const [row] = await query<{ open: number; waiting_events: number; codes_with_waiting: number }>(
    exec,
    sql`select (select count(*) from ${pendingCodes} where status = 'open')::int as open,
               (select count(*) from ${parkedEvents} where released_at is null)::int as waiting_events,
               (select count(distinct pending_id) from ${parkedEvents} where released_at is null)::int as codes_with_waiting`,
  );
  return { open: Number(row!.open), waiting_events: Number(row!.waiting_events), codes_with_waiting: Number(row!.codes_with_waiting) };
}
