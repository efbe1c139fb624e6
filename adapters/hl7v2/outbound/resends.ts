import type { Logger } from 'pino';
import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import { countLedger, listLedger } from '../../../gateway/store/ledger.ts';
import type { Store } from '../../../gateway/store/db.ts';
import { OUTBOUND_EVENT_TYPES } from './rds-builder.ts';
import { resendAuditEvent } from './resend-audit.ts';
import { beat, cancelResend, claimStaleResends, deleteResend, insertResend, listResends, saveResend, type ResendJob, type ResendState, type ResendWork } from './resend-store.ts';
import type { ResendResult } from './worker.ts';

export { ResendRunningError, type ResendJob, type ResendState } from './resend-store.ts';

/**
 * Resends from the ledger (README, "Outbound to EHRs"): when an EHR lost dispenses (restored from a backup, an
 * interface queue cleared), an analyst sends them again — those recorded in a time range, or chosen events — with
 * a reason. The ledger keeps every dispense for years, where the events stream keeps EVENTS_MAX_AGE_DAYS.
 *
 * Each event goes through its EHR's worker (the same message, MSH-10 and records as the first time), one after
 * the other in ledger order. A refusal of one message (AE, or nothing to build) is counted and the resend goes on;
 * when the EHR cannot take messages at all (unreachable, AR, no answer, the vault down) it stops and says from
 * where to resend.
 *
 * Each resend is first recorded in the facility's ledger chain as an `outbound.resend` event (resend-audit.ts):
 * who asked, why and for what; one that cannot be recorded is not started. Its progress is a row in PostgreSQL
 * (resend-store.ts), written after every event, so a resend outlives the gateway that runs it. Each gateway process has one runner (`owner`)
 * that beats for its resends; a runner takes over the resends to its EHRs whose runner stopped beating for
 * `staleMs` (a gateway stopped or died) and goes on after the last event handled.
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

/** A resend not started: what it would send (`dry_run`). */
export interface ResendPreview {
  facility: string;
  since: string | null;
  until: string | null;
  event_ids: number | null;
  /** dispenses and reversals in the ledger that it would send (those of the EHR itself are skipped when sending) */
  found: number;
  first_recorded_at: string | null;
  last_recorded_at: string | null;
}

/** The ledger entries a resend sends: the facility's dispenses and reversals, in the range or the chosen ones. */
function dispensesOf(facility: string, since: Date | undefined, until: Date | undefined, eventIds: readonly string[] | undefined) {
  return { facility, types: [...OUTBOUND_EVENT_TYPES], since, until, eventIds };
}

export class UnknownOutboundTargetError extends Error {
  constructor(readonly facility: string) {
    // The facility may be whatever a request said: quoted, but never at length.
    super(`no EHR receives the dispenses of facility ${JSON.stringify(facility.slice(0, 64))} (HL7_OUTBOUND_TARGETS)`);
    this.name = 'UnknownOutboundTargetError';
  }
}

/** Outcomes after which the EHR cannot take the next message either, and what a stopped resend says of them. */
const STOPPING: ReadonlyMap<ResendResult['outcome'], string> = new Map([
  ['unreachable', 'the EHR could not be reached'],
  ['rejected', 'the EHR answered AR: it cannot take messages now'],
  ['no_answer', 'the EHR did not answer'],
  ['unavailable', 'the message could not be built now'],
]);
/** How many resends are listed, newest first. */
const LISTED = 50;
const PAGE = 200;
const MAX_REFUSED_IDS = 100;

/** The resend could not be recorded in the ledger, so it was not started: nothing was sent. */
export class ResendNotRecordedError extends Error {
  constructor(cause: unknown) {
    super(`the resend could not be recorded in the ledger, so nothing was sent; try again shortly (${(cause as Error).message})`, { cause });
    this.name = 'ResendNotRecordedError';
  }
}

export interface ResendDeps {
  store: Store;
  /**
   * Puts a resend's `outbound.resend` event in the ledger, resolving once it is durable (the gateway's intake);
   * a resend starts only after that.
   */
  record: (event: CanonicalEvent) => Promise<void>;
  /** facility → its EHR worker's resend */
  resenders: ReadonlyMap<string, (event: CanonicalEvent) => Promise<ResendResult>>;
  logger: Logger;
  now: () => Date;
  newId: () => string;
  /** a resend whose runner has not beaten for this long is taken over (default 60 s: longer than one delivery's retries take between two beats) */
  staleMs?: number;
  /** how often the runner beats and looks for resends to take over (default 15 s) */
  beatMs?: number;
}

export class OutboundResends {
  /** this process's runner, as the rows name it */
  readonly owner: string;
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ResendDeps) {
    this.owner = deps.newId();
    this.timer = setInterval(() => void this.tick(), deps.beatMs ?? 15_000);
    this.timer.unref();
    void this.tick();
  }

  /**
   * Starts a resend and returns it, running; UnknownOutboundTargetError, ResendRunningError (one resend per EHR at a
   * time, across gateways).
   */
  async start(request: ResendRequest): Promise<ResendJob> {
    if (!this.deps.resenders.has(request.facility)) throw new UnknownOutboundTargetError(request.facility);
    const startedAt = this.deps.now();
    const until = request.eventIds === undefined ? (request.until ?? startedAt) : request.until;
    const work: ResendWork = {
      job: {
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
      },
      eventIds: request.eventIds === undefined ? null : [...request.eventIds],
      afterPosition: null,
    };
    await insertResend(this.deps.store, work, this.owner, startedAt);
    const { job } = work;
    // Who asked to send what again, and why, is in the facility's ledger chain before the first dispense goes.
    try {
      await this.deps.record(resendAuditEvent(job, work.eventIds, { id: this.deps.newId(), receivedAt: this.deps.now() }));
    } catch (err) {
      await deleteResend(this.deps.store, job.id).catch(() => undefined);
      throw new ResendNotRecordedError(err);
    }
    // The reason is free text, which could name a patient: it is kept in the store, not in the log.
    this.logFor(job).info({ actor: job.actor, since: job.since, until: job.until, event_ids: job.event_ids }, 'resend to the EHR started');
    const copy = { ...job };
    this.launch(work);
    return copy;
  }

  /** What a resend would send, without sending it: how many dispenses, and when the first and last were recorded. */
  async preview(request: ResendRequest): Promise<ResendPreview> {
    if (!this.deps.resenders.has(request.facility)) throw new UnknownOutboundTargetError(request.facility);
    const until = request.eventIds === undefined ? (request.until ?? this.deps.now()) : request.until;
    const counted = await countLedger(this.deps.store, dispensesOf(request.facility, request.since, until, request.eventIds));
    return {
      facility: request.facility,
      since: request.since?.toISOString() ?? null,
      until: until?.toISOString() ?? null,
      event_ids: request.eventIds?.length ?? null,
      found: counted.entries,
      first_recorded_at: counted.first_recorded_at,
      last_recorded_at: counted.last_recorded_at,
    };
  }

  /** The newest resends, of every gateway. */
  list(): Promise<ResendJob[]> {
    return listResends(this.deps.store, LISTED);
  }

  /**
   * Cancels a running resend, whichever gateway runs it (its runner stops after the event it is sending); null when
   * there is no such resend, `cancelled: false` when it had ended already.
   */
  async cancel(id: string, by: string): Promise<{ job: ResendJob; cancelled: boolean } | null> {
    const outcome = await cancelResend(this.deps.store, id, by, this.deps.now());
    if (outcome?.cancelled) this.logFor(outcome.job).info({ by }, 'resend to the EHR cancelled');
    return outcome;
  }

  /**
   * Stops this runner after the events being sent (stop the workers beside it, so that a send waiting for its EHR
   * ends at once). Its resends stay running in the store, to be taken over once they are stale — by another
   * gateway, or by this one after a restart.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.sweeping;
    await Promise.all(this.running.values());
  }

  private logFor(job: ResendJob): Logger {
    return this.deps.logger.child({ component: 'hl7-outbound-resend', resend_id: job.id, target: job.facility });
  }

  /** Beats for the resends running here, and takes over stale ones to this gateway's EHRs. */
  private tick(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
      if (this.stopping) return;
      const now = this.deps.now();
      try {
        await beat(this.deps.store, [...this.running.keys()], this.owner, now);
        const staleBefore = new Date(now.getTime() - (this.deps.staleMs ?? 60_000));
        const taken = await claimStaleResends(this.deps.store, [...this.deps.resenders.keys()], this.owner, staleBefore, now);
        for (const work of taken) {
          if (this.running.has(work.job.id)) continue;
          this.logFor(work.job).info({ found: work.job.found, sent: work.job.sent }, 'resend to the EHR taken over: its runner had stopped');
          this.launch(work);
        }
      } catch (err) {
        this.deps.logger.warn({ component: 'hl7-outbound-resend', error: (err as Error).message }, 'could not beat for or take over resends; trying again later');
      }
    });
    return this.sweeping;
  }

  private launch(work: ResendWork): void {
    const { job } = work;
    const log = this.logFor(job);
    const run = this.run(work, log)
      .catch(async (err: Error) => {
        // The ledger or the store failed under the runner: the row stays running, and is taken over once stale.
        log.error({ error: err.message }, 'resend to the EHR interrupted; it goes on once the store answers');
      })
      .finally(() => {
        this.running.delete(job.id);
        if (job.state !== 'running') {
          log.info({ state: job.state, found: job.found, sent: job.sent, skipped: job.skipped, refused: job.refused, stopped_reason: job.stopped_reason, resume_since: job.resume_since }, 'resend to the EHR ended');
        }
      });
    this.running.set(job.id, run);
  }

  private async run(work: ResendWork, log: Logger): Promise<void> {
    const { job } = work;
    const send = this.deps.resenders.get(job.facility);
    if (!send) return;
    const save = () => saveResend(this.deps.store, work, this.owner, this.deps.now());
    for (;;) {
      const page = await listLedger(this.deps.store, {
        ...dispensesOf(job.facility, job.since === null ? undefined : new Date(job.since), job.until === null ? undefined : new Date(job.until), work.eventIds ?? undefined),
        after: work.afterPosition ?? undefined,
        limit: PAGE,
      });
      for (const entry of page.entries) {
        if (this.stopping) return;
        job.found++;
        const result = await send(entry.event);
        // Stopping closes the EHR's client under a send: that is no answer of the EHR's, and the resend is left
        // running, to be taken over from this dispense.
        if (this.stopping && STOPPING.has(result.outcome)) return;
        if (result.outcome === 'sent') job.sent++;
        else if (result.outcome === 'skipped_echo' || result.outcome === 'not_for_this_ehr') job.skipped++;
        else if (STOPPING.has(result.outcome)) {
          log.warn({ event_id: entry.event_id, outcome: result.outcome }, 'resend stopped: the EHR cannot take messages now');
          const why = STOPPING.get(result.outcome)!;
          this.end(job, 'stopped', result.outcome === 'unavailable' && result.detail ? `${why} (${result.detail})` : why, entry.recorded_at);
          await save();
          return;
        } else {
          job.refused++;
          if (job.refused_ids.length < MAX_REFUSED_IDS) job.refused_ids.push(entry.event_id);
        }
        work.afterPosition = entry.position;
        if (!(await save())) {
          log.info({ found: job.found, sent: job.sent }, 'resend no longer runs here (cancelled, or taken over): stopping');
          return;
        }
      }
      if (page.next_after === undefined) {
        this.end(job, 'done', null);
        await save();
        return;
      }
    }
  }

  private end(job: ResendJob, state: ResendState, reason: string | null, resumeSince?: string): void {
    job.state = state;
    job.stopped_reason = reason;
    job.resume_since = resumeSince ?? null;
    job.finished_at = this.deps.now().toISOString();
  }
}
