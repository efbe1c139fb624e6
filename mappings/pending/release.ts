import type { Logger } from 'pino';
import type { Bus } from '../../gateway/bus/connection.ts';
import { publishEvent } from '../../gateway/bus/publish.ts';
import { canonicalEventSchema, eventClass, type CanonicalEvent } from '../../gateway/events/schema.ts';
import type { Metrics } from '../../gateway/metrics.ts';
import type { Store } from '../../gateway/store/db.ts';
import type { LedgerCommitWaiter } from '../../gateway/workers/ledger-commits.ts';
import type { CachedDrugResolver, DrugResolution } from '../resolver.ts';
import { drugCodesOf } from './keys.ts';
import { getPending, markReleased, markResolved, sweepCandidates, unreleasedOf, type ParkedEvent, type PendingEntry } from './store.ts';

/**
 * Releasing parked events (DESIGN §3 `unm`): once their drug resolves, each parked event is re-resolved, gets its
 * enriched drug (class ctl or gen now) and is published again in the order the bus first accepted it, with its own
 * id and idempotency key. JetStream has the original key inside its duplicate window, so the message id is
 * `<idempotency_key>:mapped`: a second release (two instances, a retry after a crash before the rows were marked)
 * is dropped by JetStream, and past the window the ledger's unique key drops it. The ledger writer never wrote the
 * `unm` original, so each event reaches the ledger exactly once.
 */

export const RELEASE_MSG_SUFFIX = ':mapped';

export interface ReleaseOutcome {
  pending_id: number;
  released: number;
  /** events that still do not resolve (the code's mapping has no schedule, say); they stay parked */
  still_unmapped: number;
  /** released events the ledger confirmed within the ack timeout (ACK_POINT=ledger) */
  recorded: number;
}

export interface ReleaseDeps {
  store: Store;
  bus: Bus;
  resolver: CachedDrugResolver;
  partitions: number;
  logger: Logger;
  metrics?: Metrics;
  /** wait for the ledger to confirm released events (ACK_POINT=ledger) */
  waiter?: LedgerCommitWaiter;
  ackTimeoutMs?: number;
  now?: () => Date;
}

/** The drug a parked event gets: the resolver's answer, else the target an analyst resolved its pending code to. */
export function reresolve(resolver: CachedDrugResolver, parked: ParkedEvent, pending: PendingEntry): DrugResolution | undefined {
  const resolution = resolver.resolve(drugCodesOf(parked.event), parked.facility_id);
  if (resolution.matchedBy !== 'none') return resolution;
  const target = pending.status === 'resolved' ? (pending.resolution?.ndc11 as string | undefined) : undefined;
  const cached = target ? resolver.lookup(target) : undefined;
  if (!cached?.schedule) return undefined;
  return { drug: { ...resolution.drug, ndc11: target!, schedule: cached.schedule, ...(cached.drug?.rxnorm_cui ? { rxnorm: cached.drug.rxnorm_cui } : {}) }, matchedBy: 'ndc' };
}

export function enrich(event: CanonicalEvent, resolution: DrugResolution): CanonicalEvent {
  return { ...event, drug: { ...(event.drug ?? {}), ...resolution.drug } } as CanonicalEvent;
}

export class ParkedReleaser {
  private readonly running = new Map<number, Promise<ReleaseOutcome>>();
  /** pending codes an analyst is resolving right now: the sweep leaves them to that resolution */
  private readonly held = new Map<number, number>();
  private sweeping: Promise<void> | undefined;
  private sweepAgain = false;
  private readonly now: () => Date;

  constructor(private readonly deps: ReleaseDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Keeps the sweep away from a pending code while `work` resolves it (so the resolution reports its release). */
  async holding<T>(pendingId: number, work: () => Promise<T>): Promise<T> {
    this.held.set(pendingId, (this.held.get(pendingId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const n = (this.held.get(pendingId) ?? 1) - 1;
      if (n <= 0) this.held.delete(pendingId);
      else this.held.set(pendingId, n);
    }
  }

  /** Releases what can be released of one pending code; calls for one code take turns. */
  release(pendingId: number): Promise<ReleaseOutcome> {
    const previous = this.running.get(pendingId) ?? Promise.resolve(undefined);
    const mine = previous.catch(() => undefined).then(() => this.releaseOnce(pendingId));
    this.running.set(pendingId, mine);
    void mine.finally(() => {
      if (this.running.get(pendingId) === mine) this.running.delete(pendingId);
    }).catch(() => undefined);
    return mine;
  }

  private async releaseOnce(pendingId: number): Promise<ReleaseOutcome> {
    const outcome: ReleaseOutcome = { pending_id: pendingId, released: 0, still_unmapped: 0, recorded: 0 };
    const pending = await getPending(this.deps.store.db, pendingId);
    if (!pending) return outcome;
    const parked = await unreleasedOf(this.deps.store.db, pendingId);
    const ready: { parked: ParkedEvent; event: CanonicalEvent }[] = [];
    for (const p of parked) {
      const resolution = reresolve(this.deps.resolver, p, pending);
      const event = resolution ? enrich(p.event, resolution) : undefined;
      const valid = event ? canonicalEventSchema.safeParse(event) : undefined;
      if (!event || !valid?.success || eventClass(event) === 'unm') {
        if (event && valid && !valid.success) {
          this.deps.logger.warn({ pending_id: pendingId, event_id: p.event_id, issue: valid.error.issues[0]?.message }, 'a parked event does not validate once enriched; it stays parked');
        }
        // Order within a code: nothing after an event that cannot go is released before it.
        outcome.still_unmapped = parked.length - ready.length;
        break;
      }
      ready.push({ parked: p, event: valid.data });
    }
    if (ready.length === 0) return outcome;

    const timeout = this.deps.ackTimeoutMs ?? 10_000;
    const expectations = this.deps.waiter ? ready.map((r) => this.deps.waiter!.expect(r.event.idempotency_key, timeout)) : [];
    let published;
    try {
      // Pipelined on one connection: JetStream receives them in this order.
      published = await Promise.all(ready.map((r) => publishEvent(this.deps.bus, r.event, this.deps.partitions, `${r.event.idempotency_key}${RELEASE_MSG_SUFFIX}`)));
    } catch (err) {
      for (const x of expectations) x.cancel();
      throw err;
    }
    ready.forEach((r, i) => this.deps.metrics?.eventsPublished.inc({ type: r.event.type, class: eventClass(r.event), duplicate: String(published[i]!.duplicate) }));
    await markReleased(
      this.deps.store.db,
      ready.map((r) => ({ id: r.parked.id, cls: eventClass(r.event) })),
      this.now().toISOString(),
    );
    outcome.released = ready.length;
    if (expectations.length > 0) {
      const commits = await Promise.all(expectations.map((x) => x.committed));
      outcome.recorded = commits.filter((c) => c && !c.parked).length;
    }
    this.deps.logger.info({ pending_id: pendingId, released: outcome.released, still_unmapped: outcome.still_unmapped }, 'parked events released');
    return outcome;
  }

  /** Resolves when no sweep is running (what a clean stop waits for). */
  async idle(): Promise<void> {
    await this.sweeping?.catch(() => undefined);
    await Promise.all([...this.running.values()].map((p) => p.catch(() => undefined)));
  }

  /**
   * Every pending code with waiting events: an open one whose code now resolves (mapped outside the queue, by an
   * import or an edit) is marked resolved by the gateway; every resolved one releases its events.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        for (const pending of await sweepCandidates(this.deps.store.db)) {
          if (this.held.has(pending.id)) continue;
          let entry = pending;
          if (pending.status === 'open') {
            const [first] = await unreleasedOf(this.deps.store.db, pending.id, 1);
            const resolution = first ? reresolve(this.deps.resolver, first, pending) : undefined;
            if (!resolution) continue;
            const at = this.now().toISOString();
            const how = { ndc11: resolution.drug.ndc11 ?? null, schedule: resolution.drug.schedule, matched_by: resolution.matchedBy, note: 'the code resolves through the mapping tables' };
            if (!(await markResolved(this.deps.store.db, pending.id, how, 'system:mappings', at, { onlyIfOpen: true }))) continue;
            entry = { ...pending, status: 'resolved', resolved_at: at, resolved_by: 'system:mappings', resolution: how };
          }
          if (entry.status === 'resolved') await this.release(entry.id);
        }
      } while (this.sweepAgain);
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }
}
