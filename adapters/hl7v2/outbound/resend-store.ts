import { and, desc, eq, inArray, lt, or, isNull, sql } from 'drizzle-orm';
import type { Store } from '../../../gateway/store/db.ts';
import { isoUtcMillis } from '../../../gateway/store/iso-timestamp-sql.ts';
import { SQLSTATE, sqlState } from '../../../gateway/store/pg-errors.ts';
import { outboundResends } from './resend-schema.ts';

/** The resends' rows (resend-schema.ts): written by the runner that owns one, read by anyone. */

export type ResendState = 'running' | 'done' | 'stopped' | 'cancelled';

export interface ResendJob {
  id: string;
  facility: string;
  actor: string;
  reason: string;
  since: string | null;
  until: string | null;
  /** how many events were chosen (null: a time range) */
  event_ids: number | null;
  state: ResendState;
  started_at: string;
  finished_at: string | null;
  /** dispenses and reversals read from the ledger so far */
  found: number;
  sent: number;
  /** events the EHR sent us itself (never sent back to it) */
  skipped: number;
  /** answered AE, or no message could be built for them (ids in `refused_ids`, the first 100) */
  refused: number;
  refused_ids: string[];
  /** why a stopped or cancelled resend ended */
  stopped_reason: string | null;
  /** recorded_at of the first event not sent: a new resend from there picks up where this one ended */
  resume_since: string | null;
}

/** What a runner needs besides the job to go on with it. */
export interface ResendWork {
  job: ResendJob;
  eventIds: string[] | null;
  afterPosition: number | null;
}

export class ResendRunningError extends Error {
  constructor(
    readonly facility: string,
    readonly runningId: string | undefined,
  ) {
    super(`${runningId ? `resend ${runningId}` : 'a resend'} to ${facility} is still running; one resend per EHR at a time`);
    this.name = 'ResendRunningError';
  }
}

const t = outboundResends;
const columns = {
  id: t.id,
  facility: t.facility,
  actor: t.actor,
  reason: t.reason,
  since: sql<string | null>`case when ${t.since} is null then null else ${isoUtcMillis(t.since)} end`,
  until: sql<string | null>`case when ${t.until} is null then null else ${isoUtcMillis(t.until)} end`,
  event_ids: t.event_ids,
  state: t.state,
  started_at: isoUtcMillis(t.started_at),
  finished_at: sql<string | null>`case when ${t.finished_at} is null then null else ${isoUtcMillis(t.finished_at)} end`,
  found: t.found,
  sent: t.sent,
  skipped: t.skipped,
  refused: t.refused,
  refused_ids: t.refused_ids,
  stopped_reason: t.stopped_reason,
  resume_since: sql<string | null>`case when ${t.resume_since} is null then null else ${isoUtcMillis(t.resume_since)} end`,
  after_position: t.after_position,
};

type Row = { [K in keyof typeof columns]: unknown };

function toWork(row: Row): ResendWork {
  const ids = row.event_ids as string[] | null;
  const job: ResendJob = {
    id: row.id as string,
    facility: row.facility as string,
    actor: row.actor as string,
    reason: row.reason as string,
    since: row.since as string | null,
    until: row.until as string | null,
    event_ids: ids === null ? null : ids.length,
    state: row.state as ResendState,
    started_at: row.started_at as string,
    finished_at: row.finished_at as string | null,
    found: Number(row.found),
    sent: Number(row.sent),
    skipped: Number(row.skipped),
    refused: Number(row.refused),
    refused_ids: row.refused_ids as string[],
    stopped_reason: row.stopped_reason as string | null,
    resume_since: row.resume_since as string | null,
  };
  return { job, eventIds: ids, afterPosition: row.after_position === null ? null : Number(row.after_position) };
}

/** Records a new running resend owned by `owner`; ResendRunningError when one to the same EHR runs already. */
export async function insertResend(store: Store, work: ResendWork, owner: string, now: Date): Promise<void> {
  const { job } = work;
  try {
    await store.db.insert(t).values({
      id: job.id,
      facility: job.facility,
      actor: job.actor,
      reason: job.reason,
      since: job.since,
      until: job.until,
      event_ids: work.eventIds,
      state: 'running',
      started_at: job.started_at,
      owner,
      heartbeat_at: now.toISOString(),
    });
  } catch (err) {
    if (sqlState(err) !== SQLSTATE.uniqueViolation) throw err;
    const [running] = await store.db.select({ id: t.id }).from(t).where(and(eq(t.facility, job.facility), eq(t.state, 'running')));
    throw new ResendRunningError(job.facility, running?.id);
  }
}

/** Takes back a resend that never ran (its record in the ledger could not be made). */
export async function deleteResend(store: Store, id: string): Promise<void> {
  await store.db.delete(t).where(and(eq(t.id, id), eq(t.state, 'running')));
}

/**
 * Writes a runner's progress (and the end, when the job is no longer running). False when the resend is no longer
 * this owner's to write: cancelled, or taken over by another runner after this one stopped beating.
 */
export async function saveResend(store: Store, work: ResendWork, owner: string, now: Date): Promise<boolean> {
  const { job } = work;
  const rows = await store.db
    .update(t)
    .set({
      state: job.state,
      finished_at: job.finished_at,
      found: job.found,
      sent: job.sent,
      skipped: job.skipped,
      refused: job.refused,
      refused_ids: job.refused_ids,
      stopped_reason: job.stopped_reason,
      resume_since: job.resume_since,
      after_position: work.afterPosition,
      heartbeat_at: now.toISOString(),
      ...(job.state === 'running' ? {} : { owner: null }),
    })
    .where(and(eq(t.id, job.id), eq(t.owner, owner), eq(t.state, 'running')))
    .returning({ id: t.id });
  return rows.length > 0;
}

/** Says that the owner's runners are alive, for the resends they are working on. */
export async function beat(store: Store, ids: readonly string[], owner: string, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await store.db
    .update(t)
    .set({ heartbeat_at: now.toISOString() })
    .where(and(inArray(t.id, [...ids]), eq(t.owner, owner), eq(t.state, 'running')));
}

/**
 * Takes over the running resends to these EHRs whose runner has not beaten since `staleBefore` (its gateway
 * stopped or died), for `owner` to go on with.
 */
export async function claimStaleResends(store: Store, facilities: readonly string[], owner: string, staleBefore: Date, now: Date): Promise<ResendWork[]> {
  if (facilities.length === 0) return [];
  const taken = await store.db
    .update(t)
    .set({ owner, heartbeat_at: now.toISOString() })
    .where(
      and(
        eq(t.state, 'running'),
        inArray(t.facility, [...facilities]),
        or(isNull(t.heartbeat_at), lt(t.heartbeat_at, staleBefore.toISOString())),
      ),
    )
    .returning({ id: t.id });
  if (taken.length === 0) return [];
  const rows = await store.db.select(columns).from(t).where(inArray(t.id, taken.map((r) => r.id)));
  return rows.map(toWork);
}

/**
 * Ends a running resend as cancelled by `by`; its runner notices after the event it is sending. Null when there is
 * no such resend; `cancelled: false` when it had ended already.
 */
export async function cancelResend(store: Store, id: string, by: string, now: Date): Promise<{ job: ResendJob; cancelled: boolean } | null> {
  const done = await store.db
    .update(t)
    .set({ state: 'cancelled', stopped_reason: `cancelled by ${by}`, finished_at: now.toISOString(), owner: null })
    .where(and(eq(t.id, id), eq(t.state, 'running')))
    .returning({ id: t.id });
  const [row] = await store.db.select(columns).from(t).where(eq(t.id, id));
  return row ? { job: toWork(row).job, cancelled: done.length > 0 } : null;
}

/** The newest resends first. */
export async function listResends(store: Store, limit: number): Promise<ResendJob[]> {
  const rows = await store.db.select(columns).from(t).orderBy(desc(t.started_at), desc(t.id)).limit(limit);
  return rows.map((r) => toWork(r).job);
}
