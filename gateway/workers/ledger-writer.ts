import type { Logger } from 'pino';
import type { Bus } from '../bus/connection.ts';
import { startBatchConsumer, type BusMessage, type RunningConsumer } from '../bus/consumer.ts';
import { startPartitionLeases, type PartitionLeases } from '../bus/partition-leases.ts';
import { canonicalEventSchema, eventClass, type CanonicalEvent } from '../events/schema.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/db.ts';
import { appendEvents, ChainHeads, LedgerConflictError, type AppendOutcome } from '../store/ledger.ts';
import { GroupCommit, STORE_WRITE_TIMEOUT_MS } from '../store/group-commit.ts';
import { isStoreUnavailable } from '../store/pg-errors.ts';
import { announceCommits, type LedgerCommitWaiter } from './ledger-commits.ts';

/**
 * The ledger writer: one durable consumer per partition (`ledger-p<k>`), each worked by the instance that holds
 * the partition's lease, so the events of a facility reach its chain in the order JetStream accepted them. The
 * batches of all the partitions an instance holds go to the store together (GroupCommit): one transaction for
 * what arrived meanwhile, whichever partitions it came from.
 */

export interface LedgerWriterOptions {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  instanceId: string;
  partitions: number;
  batchMax: number;
  maxDeliver: number;
  ackWaitMs: number;
  leaseTtlMs: number;
  /** this instance's ledger ack point waiter, told of commits directly (announceCommits) */
  localCommits?: LedgerCommitWaiter;
  now?: () => Date;
}

export interface LedgerWriter {
  /** the handler of every partition's consumer, by consumer name: what a dead-letter replay calls */
  handlers: ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
  ownedPartitions(): number[];
  consumerNames(): string[];
  stop(): Promise<void>;
}

export class InvalidLedgerMessageError extends Error {
  constructor(subject: string, seq: number, reason: string) {
    super(`message ${seq} on ${subject} is not a canonical event: ${reason}`);
    this.name = 'InvalidLedgerMessageError';
  }
}

export const ledgerConsumerName = (partition: number) => `ledger-p${partition}`;

export function decodeEvent(m: BusMessage): CanonicalEvent {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(m.data));
  } catch (err) {
    throw new InvalidLedgerMessageError(m.subject, m.seq, `not JSON (${(err as Error).message})`);
  }
  const parsed = canonicalEventSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new InvalidLedgerMessageError(m.subject, m.seq, `${first.path.join('.')}: ${first.message}`);
  }
  return parsed.data;
}

export async function startLedgerWriter(o: LedgerWriterOptions): Promise<LedgerWriter> {
  const now = o.now ?? (() => new Date());
  const running = new Map<number, RunningConsumer>();

  // Partitions own disjoint facilities, hence disjoint chains: one set of remembered heads serves them all.
  const heads = new ChainHeads();
  // A merged write that fails is retried partition batch by partition batch, so a batch that cannot be written fails
  // only its own consumer, which then goes message by message as it would alone (and dead-letters the culprit).
  const writes = new GroupCommit<{ event: CanonicalEvent; text?: string }, AppendOutcome>(async (items) => {
    const started = performance.now();
    const events = items.map((i) => i.event);
    const outcomes = await appendEvents(o.store, events, now, heads, items.map((i) => i.text));
    o.metrics.ledgerAppendSeconds.observe((performance.now() - started) / 1000);
    o.metrics.ledgerBatchSize.observe(events.length);
    let fresh = 0;
    for (const r of outcomes) if (!r.duplicate) fresh++;
    o.metrics.ledgerAppends.inc({ duplicate: 'false' }, fresh);
    if (outcomes.length > fresh) o.metrics.ledgerAppends.inc({ duplicate: 'true' }, outcomes.length - fresh);
    announceCommits(
      o.bus,
      outcomes.map((r) => ({ k: r.idempotency_key, id: r.event_id, chain: r.chain, seq: r.seq })),
      o.localCommits,
    );
    return outcomes;
  }, { maxItems: o.batchMax * o.partitions, onFailure: 'retry-apart', timeoutMs: STORE_WRITE_TIMEOUT_MS });

  const handle = async (batch: BusMessage[]): Promise<void> => {
    // Unmapped events (class unm) are parked by the mapping engine and come back as ctl/gen once mapped
    // (mappings/pending/): acknowledged here without a ledger row, so each reaches the ledger exactly once.
    // What this process published comes back as the object it validated and the text it sent (PublishedEvents).
    const items = batch.map((m) => o.bus.published.take(m) ?? { event: decodeEvent(m) }).filter((i) => eventClass(i.event) !== 'unm');
    if (items.length > 0) await writes.submitAll(items);
  };

  const handlers = new Map<string, (batch: BusMessage[]) => Promise<void>>();
  for (let p = 0; p < o.partitions; p++) handlers.set(ledgerConsumerName(p), handle);

  const leases: PartitionLeases = await startPartitionLeases({
    bus: o.bus,
    name: 'ledger',
    partitions: o.partitions,
    instanceId: o.instanceId,
    ttlMs: o.leaseTtlMs,
    logger: o.logger,
    onAcquire: async (p) => {
      // Whoever held the partition before may have appended to its chains: start from what the store says.
      heads.clear();
      running.set(
        p,
        await startBatchConsumer({
          bus: o.bus,
          stream: o.bus.names.streams.events,
          durable: ledgerConsumerName(p),
          filterSubject: o.bus.names.partitionFilter(p),
          ackWaitMs: o.ackWaitMs,
          maxDeliver: o.maxDeliver,
          batchMax: o.batchMax,
          handle: handlers.get(ledgerConsumerName(p))!,
          isTransient: (err) => isStoreUnavailable(err) || err instanceof LedgerConflictError,
          onDeadLetter: () => o.metrics.deadLettered.inc({ consumer: ledgerConsumerName(p) }),
          logger: o.logger,
        }),
      );
    },
    onRelease: async (p) => {
      await running.get(p)?.stop();
      running.delete(p);
    },
  });

  return {
    handlers,
    ownedPartitions: () => leases.owned(),
    consumerNames: () => [...handlers.keys()],
    stop: () => leases.stop(),
  };
}

