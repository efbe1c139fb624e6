import { AckPolicy, DeliverPolicy, type JsMsg, type ConsumerMessages } from '@nats-io/jetstream';
import { nanos, type MsgHdrs } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from './connection.ts';
import { deadLetter, type FailureRecord } from './dead-letter.ts';
import { rootMessage } from '../store/pg-errors.ts';

/** What a handler sees: a JetStream message, or a dead letter being replayed through the same handler. */
export interface BusMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  headers?: MsgHdrs;
}

/**
 * A durable pull consumer worked in batches: messages that arrive while a batch is being handled queue up and form
 * the next batch, so the batch size follows the load (group commit). A batch that fails is retried message by
 * message, so one poison message cannot hold its neighbours hostage; a message that keeps failing goes to the DLQ
 * with its failure history after `maxDeliver` deliveries. Errors the handler marks transient (the store is down)
 * are never dead-lettered — an outage must not empty the stream into the DLQ — and are retried in place: the same
 * batch again after a pause, while the messages behind it wait. Naking them instead would let later messages
 * overtake them (a nak's delay runs per message), and the ledger and the EHR must see a partition in order.
 */

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  /** unacknowledged messages the server lets this consumer hold */
  maxAckPending?: number;
}

export interface BatchConsumerOptions extends ConsumerSpec {
  bus: Bus;
  maxDeliver: number;
  batchMax: number;
  handle: (batch: BusMessage[]) => Promise<void>;
  isTransient?: (err: unknown) => boolean;
  /**
   * The pause before a failed message is tried again: the nak delay for a failure (by delivery count), and the
   * pause between in-place retries of a transiently failing batch (by attempt), at most `retryPauseMaxMs`.
   */
  backoffMs?: (deliveryCount: number) => number;
  /**
   * The longest pause between in-place retries (default: half of ack_wait, so that a store that is back is written
   * to within seconds). What the consumer holds is reported in progress meanwhile, so a longer pause redelivers
   * nothing: the outbound worker waits up to a minute between tries of an EHR that is down.
   */
  retryPauseMaxMs?: number;
  onDeadLetter?: (m: BusMessage) => void;
  logger: Logger;
}

export interface RunningConsumer {
  durable: string;
  stop(): Promise<void>;
}

export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Short enough that a writer is back at work within seconds of its store returning. */
const defaultBackoff = (deliveryCount: number): number => Math.min(5_000, 250 * 2 ** Math.max(0, deliveryCount - 1));

/**
 * Creates the durable consumer or updates its settings; idempotent. Returns how many of its messages were delivered
 * and not yet acknowledged (0 for a new one).
 */
export async function ensureConsumer(bus: Bus, spec: ConsumerSpec): Promise<number> {
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    // Dead-lettering is ours (it keeps the failure history), so the server never gives up on a message by itself.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending ?? 10_000,
  };
  const existing = await bus.jsm.consumers.info(spec.stream, spec.durable).catch(() => null);
  if (!existing) {
    await bus.jsm.consumers.add(spec.stream, config);
    return 0;
  }
  await bus.jsm.consumers.update(spec.stream, spec.durable, {
    ack_wait: config.ack_wait,
    max_deliver: config.max_deliver,
    max_ack_pending: config.max_ack_pending,
    filter_subject: config.filter_subject,
  });
  return existing.num_ack_pending;
}

export async function startBatchConsumer(o: BatchConsumerOptions): Promise<RunningConsumer> {
  const unacknowledgedAtStart = await ensureConsumer(o.bus, o);
  const consumer = await o.bus.js.consumers.get(o.stream, o.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: Math.max(o.batchMax * 2, 64) });
  const queue: JsMsg[] = [];
  /** when the server last heard that a held message is in progress: its delivery, or our last report */
  const lastReported = new WeakMap<JsMsg, number>();
  const history = new Map<number, FailureRecord[]>();
  const isTransient = o.isTransient ?? ((err: unknown) => err instanceof TransientError);
  const backoff = o.backoffMs ?? defaultBackoff;
  const retryPauseMaxMs = o.retryPauseMaxMs ?? o.ackWaitMs / 2;
  let wake: () => void = () => undefined;
  let pumping = true;
  let stopping = false;

  const pump = (async () => {
    try {
      for await (const m of messages) {
        lastReported.set(m, Date.now());
        queue.push(m);
        wake();
      }
    } finally {
      pumping = false;
      wake();
    }
  })();

  /** A pause the consumer's stop cuts short. */
  let interruptPause: () => void = () => undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interruptPause = () => undefined;
        resolve();
      }
      interruptPause = done;
    });

  /**
   * What this consumer holds (the batch being handled and the queue behind it) is reported as in progress every
   * third of ack_wait, so the server sends again only what never reached it — deliveries lost with a connection,
   * which come back after ack_wait — and never a message that is merely waiting behind a slow or retried batch.
   * That is what lets ack_wait be short.
   */
  let handling: JsMsg[] = [];
  const reportEveryMs = Math.max(100, Math.floor(o.ackWaitMs / 3));
  const keepAlive = setInterval(() => {
    const now = Date.now();
    // Only what has been held a while: at load most messages are handled within milliseconds, and a report for
    // each would be one more message through nats-server per event.
    for (const held of [handling, queue]) {
      for (const m of held) {
        if (now - (lastReported.get(m) ?? now) < reportEveryMs) continue;
        lastReported.set(m, now);
        try {
          m.working();
        } catch {
          // The connection is closed: the server sends it again after ack_wait, and its key catches the repeat.
        }
      }
    }
  }, Math.max(50, Math.floor(reportEveryMs / 2)));
  keepAlive.unref();

  /** A failure that is not transient: naked for a later try, or dead-lettered once it has had `maxDeliver`. */
  const fail = async (m: JsMsg, err: unknown): Promise<void> => {
    const count = m.info.deliveryCount;
    const records = history.get(m.seq) ?? [];
    records.push({ at: new Date().toISOString(), delivery: count, error: errorText(err) });
    history.set(m.seq, records);
    if (count >= o.maxDeliver) {
      await deadLetter(o.bus, m, { stream: o.stream, consumer: o.durable, failures: records });
      // A plain +TERM: nats-server 2.9 ignores the form with a reason (2.10.4 and later know it) and delivers the
      // message again after ack_wait — dead-lettered again, every ack_wait, with everything behind it held back where
      // max_ack_pending is 1 (outbound). The reason is kept with the dead letter instead.
      m.term();
      history.delete(m.seq);
      o.onDeadLetter?.(m);
      o.logger.warn(
        { consumer: o.durable, stream_seq: m.seq, subject: m.subject, deliveries: count, error: errorText(err) },
        'message moved to the dead-letter stream',
      );
    } else {
      m.nak(backoff(count));
    }
  };

  const handleBatch = async (batch: JsMsg[]): Promise<void> => {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await o.handle(batch);
        for (const m of batch) {
          m.ack();
          history.delete(m.seq);
        }
        if (attempt > 1) o.logger.info({ consumer: o.durable, attempts: attempt, waited_ms: Date.now() - started }, 'transient failure over; batch handled');
        return;
      } catch (err) {
        if (!isTransient(err)) {
          if (batch.length === 1) return fail(batch[0]!, err);
          break;
        }
        if (attempt === 1) o.logger.warn({ consumer: o.durable, error: errorText(err) }, 'transient failure; retrying the batch in place, later messages wait');
      }
      if (!stopping) await pause(Math.min(backoff(attempt), retryPauseMaxMs));
      if (stopping) {
        // Back to the front of the queue, which stop() gives back to the server in order once no pull is open
        // (a nak now would be delivered straight back to this closing consumer's pull, and sit out ack_wait).
        queue.unshift(...batch);
        return;
      }
    }
    for (const m of batch) await handleBatch([m]);
  };

  /**
   * Deliveries the server sent while the connection was going down never arrive; it sends them again once ack_wait
   * has passed, by which time later messages of the partition would have been handled. So when, after a reconnect,
   * the server counts more messages unacknowledged than this consumer holds, it holds the partition for ack_wait
   * (and a second) and then takes what it has in stream order.
   */
  let holdUntil = 0;
  let reorder = false;
  const holdForRedelivery = () => {
    holdUntil = Date.now() + o.ackWaitMs + 1000;
    reorder = true;
  };
  // The same at start: messages delivered to whoever held this consumer before (a gateway killed mid-batch) come
  // back only after ack_wait, behind those published since — at ACK_POINT=bus a sender's next message is among them.
  if (unacknowledgedAtStart > 0) {
    holdForRedelivery();
    o.logger.warn(
      { consumer: o.durable, unacknowledged: unacknowledgedAtStart, hold_ms: o.ackWaitMs + 1000 },
      'messages delivered before this start are unacknowledged: holding until they are sent again, to keep the order',
    );
  }
  const followReconnects = async () => {
    for await (const status of o.bus.nc.status()) {
      // A stopped consumer lets go of its status iterator at the next event (partitions move between instances).
      if (stopping) break;
      if (status.type !== 'reconnect') continue;
      try {
        const info = await o.bus.jsm.consumers.info(o.stream, o.durable);
        const held = handling.length + queue.length;
        if (info.num_ack_pending <= held) continue;
        holdForRedelivery();
        o.logger.warn(
          { consumer: o.durable, unacknowledged: info.num_ack_pending, held, hold_ms: o.ackWaitMs + 1000 },
          'deliveries lost with the connection: holding the partition until they are sent again, to keep its order',
        );
        wake();
      } catch (err) {
        o.logger.warn({ consumer: o.durable, error: errorText(err) }, 'could not check for deliveries lost with the connection');
      }
    }
  };
  void followReconnects();

  const work = (async () => {
    while (!stopping) {
      if (Date.now() < holdUntil) {
        await pause(holdUntil - Date.now());
        continue;
      }
      if (reorder) {
        queue.sort((a, b) => a.seq - b.seq);
        reorder = false;
      }
      if (queue.length === 0) {
        if (!pumping) break;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const batch = queue.splice(0, o.batchMax);
      handling = batch;
      try {
        await handleBatch(batch);
      } catch (err) {
        // Only the DLQ publish can throw here; leave the messages to be redelivered after ack_wait.
        o.logger.error({ consumer: o.durable, error: errorText(err) }, 'batch left unacknowledged');
      } finally {
        handling = [];
      }
    }
  })();

  return {
    durable: o.durable,
    stop: async () => {
      stopping = true;
      clearInterval(keepAlive);
      interruptPause();
      await messages.close().catch(() => undefined);
      wake();
      await pump.catch(() => undefined);
      // Finish what is being handled; whatever is still queued goes back to the server at once.
      await work;
      for (const m of queue.splice(0)) m.nak();
    },
  };
}

/**
 * An error in one line, for logs and failure histories. A failed query's wrapper message is the whole SQL with its
 * parameters (the events of a batch): the driver's own message says what went wrong without them.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 2000);
  const message = err.message.startsWith('Failed query') ? `query failed: ${rootMessage(err)}` : err.message;
  return `${err.name}: ${message}`.slice(0, 2000);
}
