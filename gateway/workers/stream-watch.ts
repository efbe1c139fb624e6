import type { Logger } from 'pino';
import type { Bus } from '../bus/connection.ts';
import { eventsStreamMissing } from '../bus/streams.ts';

/**
 * The stream watch. A server that has lost the events stream — deleted by hand, or a nats-server back on an empty
 * store (JetStream without a persistent volume) — still answers, but refuses every event ("no responders"), and
 * every consumer waits for a consumer that is gone with it. A gateway start makes the streams, buckets and
 * consumers again, and at the ledger ack point nothing a sender was told is lost: every event answered positively
 * is in the ledger. So once the server has said so `confirmations` times in a row, `intervalMs` apart, `onLost` is
 * called: the gateway stops, and its supervisor starts it again (README, Production notes). An answer that says
 * nothing of the stream (a timeout, the connection down) counts for nothing: that is an outage, which the gateway
 * rides out.
 */
export interface StreamWatch {
  /** one check now; true once the loss is confirmed (and `onLost` called) */
  check(): Promise<boolean>;
  stop(): void;
}

/** What the gateway says when the events stream is gone: in /readyz, and in the log line before it stops. */
export function eventsStreamLostText(bus: Bus): string {
  return `the events stream ${bus.names.streams.events} is missing on the server (deleted, or the server lost its store): a gateway start makes it again`;
}

export function startStreamWatch(o: { bus: Bus; logger: Logger; intervalMs: number; confirmations?: number; onLost: () => void }): StreamWatch {
  const confirmations = o.confirmations ?? 2;
  let missingInARow = 0;
  let lost = false;
  const check = async (): Promise<boolean> => {
    if (lost) return true;
    let missing: boolean;
    try {
      missing = await eventsStreamMissing(o.bus);
    } catch {
      return false;
    }
    missingInARow = missing ? missingInARow + 1 : 0;
    if (missingInARow < confirmations) return false;
    lost = true;
    o.logger.error(
      { reason: 'events_stream_lost', stream: o.bus.names.streams.events, checks: missingInARow },
      `${eventsStreamLostText(o.bus)}; stopping so that it is started again (events its consumers had not taken went with it: README, Production notes)`,
    );
    o.onLost();
    return true;
  };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(check);
  }, o.intervalMs);
  timer.unref();
  return {
    check,
    stop: () => clearInterval(timer),
  };
}
