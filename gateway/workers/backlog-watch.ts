import type { Logger } from 'pino';
import type { Bus } from '../bus/connection.ts';
import { observeConsumerBacklogs, type ConsumerBacklog } from '../bus/consumer-backlog.ts';
import type { Metrics } from '../metrics.ts';

/**
 * The backlog watch: the events stream deletes an event at EVENTS_MAX_AGE_DAYS whether its consumers have it or not
 * (the ledger is the lasting record, and the disk is not endless), so an event still waiting that long for a
 * consumer — the ledger writer while PostgreSQL is down, an outbound feed while its EHR is — would be lost. Every
 * `intervalMs` this worker measures each consumer's backlog (observeConsumerBacklogs: the rxgate_consumer_* gauges) and logs a warning for
 * each one whose oldest waiting event is half that age, while there is time to act.
 */
export interface BacklogWatch {
  /** one round now: the gauges set, the warnings logged; the backlogs measured */
  check(): Promise<ConsumerBacklog[]>;
  stop(): Promise<void>;
}

export function startBacklogWatch(o: {
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  /** the consumers of the events stream this gateway runs */
  consumers: () => readonly string[];
  /** the events stream's age limit; 0: none, so nothing to warn of */
  maxAgeMs: number;
  intervalMs: number;
  now?: () => number;
}): BacklogWatch {
  const now = o.now ?? Date.now;
  const check = async (): Promise<ConsumerBacklog[]> => {
    const backlogs = await observeConsumerBacklogs(o.bus, o.metrics, o.consumers(), now());
    if (o.maxAgeMs <= 0) return backlogs;
    for (const b of backlogs) {
      if (b.ageS * 1000 < o.maxAgeMs / 2) continue;
      o.logger.warn(
        { stream: b.stream, consumer: b.consumer, backlog_age_s: Math.round(b.ageS), max_age_s: Math.round(o.maxAgeMs / 1000), waiting: b.pending + b.ackPending },
        'events have waited for this consumer half of EVENTS_MAX_AGE_DAYS: the stream deletes them at that age',
      );
    }
    return backlogs;
  };
  let running: Promise<unknown> = Promise.resolve();
  const round = () => {
    running = running.then(() => check()).catch((error: Error) => o.logger.warn({ error: error.message }, 'consumer backlog not measured; next round will try again'));
  };
  const timer = setInterval(round, o.intervalMs);
  timer.unref();
  return {
    check,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
