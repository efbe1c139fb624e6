import type { Logger } from 'pino';
import type { Bus } from '../../gateway/bus/connection.ts';
import { startBatchConsumer, type BusMessage, type RunningConsumer } from '../../gateway/bus/consumer.ts';
import type { Metrics } from '../../gateway/metrics.ts';
import type { Store } from '../../gateway/store/db.ts';
import { isStoreUnavailable } from '../../gateway/store/pg-errors.ts';
import { announceCommits, type LedgerCommitWaiter } from '../../gateway/workers/ledger-commits.ts';
import { decodeEvent } from '../../gateway/workers/ledger-writer.ts';
import type { CachedDrugResolver } from '../resolver.ts';
import { drugCodesOf, pendingKeyOf } from './keys.ts';
import { insertParked, upsertPending } from './store.ts';

/**
 * The parking worker (DESIGN §3 `unm`): a durable consumer on the unmapped events (`ev.unm.>`). Each event is
 * stored whole with its stream sequence in `mapping_parked_events` and counted on the pending code it waits for,
 * in one transaction; then the commit is announced on the ledger-commit subject with `parked: true`, so an edge
 * waiting with ACK_POINT=ledger answers positively: the event is durably kept, and will reach the ledger once
 * mapped. The ledger writer acknowledges `unm` events without writing them.
 *
 * One durable consumer is shared by every gateway instance: order does not matter here, because the stream
 * sequence is stored and release goes by it.
 */

export const PARKING_CONSUMER = 'mappings-parking';

/** The subject filter of unmapped events, derived from the namespace's `ev.>` so the name lives in bus.names. */
export function unmappedFilter(bus: Bus): string {
  const all = bus.names.subjects.eventsAll;
  return `${all.slice(0, -1)}unm.>`;
}

export interface ParkingWorkerOptions {
  bus: Bus;
  store: Store;
  resolver: CachedDrugResolver;
  logger: Logger;
  metrics?: Metrics;
  ackWaitMs: number;
  maxDeliver: number;
  batchMax: number;
  /** called when parked events may be releasable at once (their code resolves already) */
  onResolvable?: () => void;
  /** this instance's ledger ack point waiter, told of parked events directly (announceCommits) */
  localCommits?: LedgerCommitWaiter;
  now?: () => Date;
}

export interface ParkingWorker {
  handle(batch: BusMessage[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startParkingWorker(o: ParkingWorkerOptions): Promise<ParkingWorker> {
  const now = o.now ?? (() => new Date());
  const handle = async (batch: BusMessage[]): Promise<void> => {
    const events = batch.map((m) => ({ event: decodeEvent(m), seq: m.seq }));
    const at = now().toISOString();
    let resolvable = false;
    await o.store.db.transaction(async (tx) => {
      const items = [];
      const ids = new Map<string, number>();
      for (const { event, seq } of events) {
        const codes = drugCodesOf(event);
        const key = pendingKeyOf(event, codes);
        // An adapter with a stale cache may have parked an event whose code is mapped by now: it is parked all
        // the same (and released at once by the sweep), without reopening its resolved pending code.
        const mappedNow = o.resolver.resolve(codes, event.facility_id).matchedBy !== 'none';
        if (mappedNow) resolvable = true;
        const id = `${key.system}\u0000${key.facility_id}\u0000${key.code}`;
        let pendingId = ids.get(id);
        if (pendingId === undefined) {
          pendingId = await upsertPending(tx, key, at, !mappedNow);
          ids.set(id, pendingId);
        }
        items.push({ event, streamSeq: seq, pendingId });
      }
      await insertParked(tx, items, at);
    });
    announceCommits(
      o.bus,
      events.map(({ event }) => ({ k: event.idempotency_key, id: event.id, chain: event.facility_id, seq: 0, parked: true as const })),
      o.localCommits,
    );
    o.logger.debug({ parked: events.length }, 'unmapped events parked');
    if (resolvable) o.onResolvable?.();
  };

  const consumer: RunningConsumer = await startBatchConsumer({
    bus: o.bus,
    stream: o.bus.names.streams.events,
    durable: PARKING_CONSUMER,
    filterSubject: unmappedFilter(o.bus),
    ackWaitMs: o.ackWaitMs,
    maxDeliver: o.maxDeliver,
    batchMax: o.batchMax,
    handle,
    isTransient: (err) => isStoreUnavailable(err),
    onDeadLetter: () => o.metrics?.deadLettered.inc({ consumer: PARKING_CONSUMER }),
    logger: o.logger,
  });
  return { handle, stop: () => consumer.stop() };
}
