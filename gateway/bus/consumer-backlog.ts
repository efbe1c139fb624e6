import type { Metrics } from '../metrics.ts';
import type { Bus } from './connection.ts';
import { nextOnSubject } from './next-on-subject.ts';

/** Where a durable consumer stands: what waits for it, and for how long the oldest of it has waited. */
export interface ConsumerBacklog {
  stream: string;
  consumer: string;
  /** messages not yet delivered to it */
  pending: number;
  /** messages delivered and not yet acknowledged */
  ackPending: number;
  /**
   * Seconds since the stream stored the oldest message the consumer has not acknowledged (the first of its subjects
   * after its ack floor); 0 when nothing waits. A stream with an age limit deletes a message at that age whether a
   * consumer has it or not, so this is the figure to keep below the limit.
   */
  ageS: number;
}

/** The consumer's backlog now, or null when the consumer does not exist (yet). `nowMs`: epoch ms. */
export async function consumerBacklog(bus: Bus, stream: string, consumer: string, nowMs: number): Promise<ConsumerBacklog | null> {
  const info = await bus.jsm.consumers.info(stream, consumer).catch(() => null);
  if (!info) return null;
  const backlog: ConsumerBacklog = { stream, consumer, pending: info.num_pending, ackPending: info.num_ack_pending, ageS: 0 };
  if (info.num_pending + info.num_ack_pending === 0) return backlog;
  // The first message of the consumer's subjects after its ack floor.
  const oldest = await nextOnSubject(bus, stream, info.ack_floor.stream_seq + 1, info.config.filter_subject || '>').catch(() => null);
  // Gone between the two requests (acknowledged, or deleted by the stream's limits): nothing older waits.
  if (oldest) backlog.ageS = Math.max(0, (nowMs - oldest.time.getTime()) / 1000);
  return backlog;
}

/** Sets the consumer gauges from each consumer's backlog now (also what a /metrics scrape does). */
export async function observeConsumerBacklogs(bus: Bus, metrics: Metrics, consumers: readonly string[], nowMs: number): Promise<ConsumerBacklog[]> {
  const stream = bus.names.streams.events;
  const backlogs = await Promise.all(consumers.map((name) => consumerBacklog(bus, stream, name, nowMs).catch(() => null)));
  const found = backlogs.filter((b): b is ConsumerBacklog => b !== null);
  for (const b of found) {
    const labels = { stream: b.stream, consumer: b.consumer };
    metrics.consumerPending.set(labels, b.pending);
    metrics.consumerAckPending.set(labels, b.ackPending);
    metrics.consumerBacklogAge.set(labels, b.ageS);
  }
  return found;
}
