import type { Logger } from 'pino';
import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import { listLedger, type LedgerEntry } from '../../../gateway/store/ledger.ts';
import type { Store } from '../../../gateway/store/db.ts';
import { OUTBOUND_EVENT_TYPES } from './rds-builder.ts';
import type { ResendResult } from './worker.ts';

/**
 * Resends from the ledger (README, "Outbound to EHRs"): when an EHR lost dispenses (restored from a backup, an
 * interface queue cleared), an analyst sends them again — those recorded in a time range, or chosen events — with
 * a reason. The ledger keeps every dispense for years, where the events stream keeps EVENTS_MAX_AGE_DAYS.
 *
 * Each event goes through its EHR's worker (the same message, MSH-10 and records as the first time), one after
 * the other in ledger order. A refusal of one message (AE, or nothing to build) is counted and the resend goes on;
 * when the EHR cannot take messages at all (unreachable, AR, no answer, the vault down) it stops and says from
 * where to resend. A resend runs in the gateway that was asked, and is listed there.
 */

export interface ResendRequest {
  facility: string;
  /** recorded_at ≥ since */
  since?: Date | undefined;
  /** recorded_at < until; default: when the resend was asked for */
  until?: Date | undefined;
  /** these events only, instead of a time range */
  eventIds?: readonly string[] | undefined;
  /** the token label of who asked */
  actor: string;
  reason: string;
}

export type ResendState = 'running' | 'done' | 'stopped' | 'cancelled';

export interface ResendJob {
  id: string;
  facility: string;
  actor: string;
  reason: string;
  since: string | null;
  until: string | null;
  event_ids: number | null;
  state: ResendState;
  started_at: string;
  finished_at: string | null;
  /** dispenses and reversals read from the ledger so far */
  found: number;
  sent: number;
  /** events the EHR sent us itself (never sent back to it) */
  skipped: number;
  /** answered AE, or no message could be built for them (ids in `refused_ids`) */
  refused: number;
  refused_ids: string[];
  /** why a stopped resend stopped */
  stopped_reason: string | null;
  /** recorded_at of the first event not sent: a new resend from there picks up where this one stopped */
  resume_since: string | null;
}

export class UnknownOutboundTargetError extends Error {
  constructor(readonly facility: string) {
    super(`no EHR receives the dispenses of facility ${facility} (HL7_OUTBOUND_TARGETS)`);
    this.name = 'UnknownOutboundTargetError';
  }
}

export class ResendRunningError extends Error {
  constructor(readonly job: ResendJob) {
    super(`resend ${job.id} to ${job.facility} is still running; one resend per EHR at a time`);
    this.name = 'ResendRunningError';
  }
}

/** Outcomes after which the EHR cannot take the next message either, and what a stopped resend says of them. */
const STOPPING: ReadonlyMap<ResendResult['outcome'], string> = new Map([
  ['unreachable', 'the EHR could not be reached'],
  ['rejected', 'the EHR answered AR: it cannot take messages now'],
  ['no_answer', 'the EHR did not answer'],
  ['unavailable', 'the message could not be built now'],
]);
/** How many jobs are listed, newest first. */
const KEPT_JOBS = 50;
const PAGE = 200;
const MAX_REFUSED_IDS = 100;

export interface ResendDeps {
  store: Store;
  /** facility → its EHR worker's resend */
  resenders: ReadonlyMap<string, (event: CanonicalEvent) => Promise<ResendResult>>;
  logger: Logger;
  now: () => Date;
  newId: () => string;
}

export class OutboundResends {
  private readonly jobs: ResendJob[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private cancelled = false;

  constructor(private readonly deps: ResendDeps) {}

  /** Starts a resend and returns it at once, running; UnknownOutboundTargetError, ResendRunningError. */
  start(request: ResendRequest): ResendJob {
    const send = this.deps.resenders.get(request.facility);
    if (!send) throw new UnknownOutboundTargetError(request.facility);
    const busy = this.jobs.find((j) => j.facility === request.facility && j.state === 'running');
    if (busy) throw new ResendRunningError(busy);
    const startedAt = this.deps.now();
    const until = request.eventIds === undefined ? (request.until ?? startedAt) : request.until;
    const job: ResendJob = {
      id: this.deps.newId(),
      facility: request.facility,
      actor: request.actor,
      reason: request.reason,
      since: request.since?.toISOString() ?? null,
      until: until?.toISOString() ?? null,
      event_ids: request.eventIds?.length ?? null,
      state: 'running',
      started_at: startedAt.toISOString(),
      finished_at: null,
      found: 0,
      sent: 0,
      skipped: 0,
      refused: 0,
      refused_ids: [],
      stopped_reason: null,
      resume_since: null,
    };
    this.jobs.unshift(job);
    this.jobs.splice(KEPT_JOBS);
    const log = this.deps.logger.child({ component: 'hl7-outbound-resend', resend_id: job.id, target: job.facility });
    // Who and why, for the audit trail; the reason is the analyst's own text about an interface, not patient data.
    log.info({ actor: job.actor, reason: job.reason, since: job.since, until: job.until, event_ids: job.event_ids }, 'resend to the EHR started');
    const run = this.run(job, { ...request, until }, send, log)
      .catch((err: Error) => this.finish(job, 'stopped', `the ledger could not be read: ${err.message}`))
      .finally(() => {
        this.running.delete(job.id);
        log.info({ state: job.state, found: job.found, sent: job.sent, skipped: job.skipped, refused: job.refused, stopped_reason: job.stopped_reason, resume_since: job.resume_since }, 'resend to the EHR ended');
      });
    this.running.set(job.id, run);
    return { ...job };
  }

  /** The resends of this gateway, newest first (copies). */
  list(): ResendJob[] {
    return this.jobs.map((j) => ({ ...j, refused_ids: [...j.refused_ids] }));
  }

  /** Cancels the running resends after their current message (shutdown), and waits for them. */
  async stop(): Promise<void> {
    this.cancelled = true;
    await Promise.all(this.running.values());
  }

  private async run(job: ResendJob, request: ResendRequest, send: (event: CanonicalEvent) => Promise<ResendResult>, log: Logger): Promise<void> {
    let after: number | undefined;
    for (;;) {
      const page: { entries: LedgerEntry[]; next_after?: number } = await listLedger(this.deps.store, {
        facility: job.facility,
        types: [...OUTBOUND_EVENT_TYPES],
        since: request.since,
        until: request.until,
        eventIds: request.eventIds,
        after,
        limit: PAGE,
      });
      for (const entry of page.entries) {
        if (this.cancelled) return this.finish(job, 'cancelled', null, entry.recorded_at);
        job.found++;
        const result = await send(entry.event);
        if (result.outcome === 'sent') job.sent++;
        else if (result.outcome === 'skipped_echo' || result.outcome === 'not_for_this_ehr') job.skipped++;
        else if (STOPPING.has(result.outcome)) {
          log.warn({ event_id: entry.event_id, outcome: result.outcome }, 'resend stopped: the EHR cannot take messages now');
          const why = STOPPING.get(result.outcome)!;
          return this.finish(job, 'stopped', result.outcome === 'unavailable' && result.detail ? `${why} (${result.detail})` : why, entry.recorded_at);
        } else {
          job.refused++;
          if (job.refused_ids.length < MAX_REFUSED_IDS) job.refused_ids.push(entry.event_id);
        }
      }
      if (page.next_after === undefined) return this.finish(job, 'done', null);
      after = page.next_after;
    }
  }

  private finish(job: ResendJob, state: ResendState, reason: string | null, resumeSince?: string): void {
    job.state = state;
    job.stopped_reason = reason;
    job.resume_since = resumeSince ?? null;
    job.finished_at = this.deps.now().toISOString();
  }
}
