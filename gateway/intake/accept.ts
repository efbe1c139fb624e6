import type { Logger } from 'pino';
import type { Bus } from '../bus/connection.ts';
import { publishEvent } from '../bus/publish.ts';
import type { Config } from '../config.ts';
import { eventClass, type CanonicalEvent } from '../events/schema.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/db.ts';
import { findByIdempotencyKeys } from '../store/ledger.ts';
import { storableEventJson } from '../store/unstorable-text.ts';
import type { LedgerCommitWaiter } from '../workers/ledger-commits.ts';

/**
 * The edge's half of the delivery promise (DESIGN §2): publish, then wait for the configured ack point before
 * telling the sender yes. Every adapter hands its canonical events to acceptEvents and answers its sender from
 * the outcome.
 */

export interface IntakeDeps {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  waiter: LedgerCommitWaiter;
  logger: Logger;
  config: Pick<Config, 'ACK_POINT' | 'ACK_TIMEOUT_MS' | 'PARTITIONS' | 'TEST_CRASH_AFTER_PUBACK'>;
  /**
   * Unmapped events (class `unm`) are parked by the mapping engine instead of written to the ledger; this finds
   * parked events by idempotency key (mappings/pending/store.ts findParkedByKeys), for repeats and missed
   * announcements. Without it a parked event is only known from its announcement.
   */
  findParked?: (keys: string[]) => Promise<Map<string, { event_id: string; facility_id: string }>>;
}

export interface Accepted {
  event_id: string;
  idempotency_key: string;
  /** the key had been accepted before; event_id is the first event's id where it is known */
  duplicate: boolean;
  ack_point: 'bus' | 'ledger';
  ledger?: { chain: string; seq: number };
  /**
   * The drug is unmapped: the event is durably parked (ACK_POINT=ledger: that is its ack point) and reaches the
   * ledger once an analyst maps the drug; it has no ledger position yet.
   */
  parked?: true;
  /**
   * Published under a message id JetStream already held for an event of other content (acceptEvents' `msgIds`):
   * this copy is dropped as a repeat, and the answer (event_id, ledger) is the earlier event's.
   */
  differs?: true;
}

/** The events are on the bus but the ack point was not reached in time: the sender may retry safely. */
export class AckTimeoutError extends Error {
  constructor(readonly keys: string[], timeoutMs: number) {
    super(`the ledger did not confirm ${keys.length} event(s) within ${timeoutMs} ms; they are on the bus and retrying is safe`);
    this.name = 'AckTimeoutError';
  }
}

/**
 * JetStream knows the message id as a repeat, but the earlier copy is no longer in the stream (removed by an
 * operator), so neither its event nor its ack point can be known. Retrying cannot change that: the adapter answers
 * with an error and keeps the copy for a person.
 */
export class EarlierEventGoneError extends Error {
  constructor(readonly seq: number) {
    super(`a repeat of the message at sequence ${seq} of the events stream, which no longer holds it`);
    this.name = 'EarlierEventGoneError';
  }
}

/** The event JetStream holds at `seq` of the events stream: its id and idempotency key. */
async function earlierEvent(bus: Bus, seq: number): Promise<{ id: string; idempotency_key: string }> {
  const stored = await bus.jsm.streams.getMessage(bus.names.streams.events, { seq });
  if (!stored) throw new EarlierEventGoneError(seq);
  const event = stored.json<Partial<CanonicalEvent>>();
  if (typeof event?.id !== 'string' || typeof event.idempotency_key !== 'string') {
    throw new Error(`the events stream holds no canonical event at sequence ${seq}, which JetStream named as the earlier copy`);
  }
  return { id: event.id, idempotency_key: event.idempotency_key };
}

/**
 * `msgIds`: the JetStream message id of each event, where an adapter knows its repeats better than the idempotency
 * key does (HL7 v2: one sender's MSH-10, whatever the bytes). A repeat is then found by that id inside the
 * duplicate window, and answered with the earlier event — the copy that JetStream holds — even when the contents
 * differ (`differs`). Without it the message id is the idempotency key.
 */
export async function acceptEvents(deps: IntakeDeps, events: CanonicalEvent[], msgIds?: readonly string[]): Promise<Accepted[]> {
  // An event the ledger cannot hold (NUL, half a surrogate pair) would wait in vain for its ack point: refuse it
  // here, naming the field, so the sender gets a negative answer at once (UnstorableEventError). The same text is
  // the payload on the bus.
  const texts = events.map(storableEventJson);
  const { config } = deps;
  const waitForLedger = config.ACK_POINT === 'ledger';
  const expectations = waitForLedger ? events.map((e) => deps.waiter.expect(e.idempotency_key, config.ACK_TIMEOUT_MS)) : [];

  const adapter = events[0]?.source.adapter ?? 'none';
  const publishStarted = performance.now();
  let published;
  try {
    // Publishes are pipelined; the client writes them in call order, so JetStream keeps the order of `events`.
    published = await Promise.all(events.map((e, i) => publishEvent(deps.bus, e, config.PARTITIONS, msgIds?.[i], texts[i])));
  } catch (err) {
    for (const x of expectations) x.cancel();
    throw err;
  }
  const pubAcked = performance.now();
  deps.metrics.ackStageSeconds.observe({ adapter, stage: 'publish' }, (pubAcked - publishStarted) / 1000);
  events.forEach((e, i) =>
    deps.metrics.eventsPublished.inc({ type: e.type, class: eventClass(e), duplicate: String(published[i]!.duplicate) }),
  );
  if (config.TEST_CRASH_AFTER_PUBACK) process.kill(process.pid, 'SIGKILL');

  // The key each answer stands on: the event's own, or — a repeat under another's content — the earlier event's,
  // read from the message JetStream holds under that id (a PubAck for a duplicate names the earlier sequence).
  const keys = events.map((e) => e.idempotency_key);
  const earlierIds = new Map<number, string>();
  try {
    for (let i = 0; i < events.length; i++) {
      if (!published[i]!.duplicate || msgIds?.[i] === undefined || msgIds[i] === keys[i]) continue;
      const earlier = await earlierEvent(deps.bus, published[i]!.stream_seq);
      if (earlier.idempotency_key === keys[i]) continue;
      keys[i] = earlier.idempotency_key;
      earlierIds.set(i, earlier.id);
      if (waitForLedger) {
        // Listening for the earlier key starts before the store is asked, so a commit in between is not missed.
        expectations[i]!.cancel();
        expectations[i] = deps.waiter.expect(earlier.idempotency_key, config.ACK_TIMEOUT_MS);
      }
    }
  } catch (err) {
    for (const x of expectations) x.cancel();
    throw err;
  }
  const duplicates = keys.filter((_, i) => published[i]!.duplicate);
  const known = duplicates.length > 0 ? await findByIdempotencyKeys(deps.store, duplicates) : new Map();
  const notInLedger = duplicates.filter((k) => !known.has(k));
  const parkedBefore = notInLedger.length > 0 && deps.findParked ? await deps.findParked(notInLedger) : new Map<string, { event_id: string; facility_id: string }>();
  const differs = (i: number) => (earlierIds.has(i) ? { differs: true as const } : {});

  if (!waitForLedger) {
    return events.map((e, i) => ({
      event_id: known.get(keys[i]!)?.event_id ?? earlierIds.get(i) ?? e.id,
      idempotency_key: e.idempotency_key,
      duplicate: published[i]!.duplicate,
      ack_point: 'bus' as const,
      ...differs(i),
    }));
  }

  type Commit = { id: string; chain: string; seq: number; parked?: true };
  const commits: (Commit | null)[] = await Promise.all(
    events.map((_, i) => {
      const before = known.get(keys[i]!);
      const parked = parkedBefore.get(keys[i]!);
      if (!before && !parked) return expectations[i]!.committed;
      expectations[i]!.cancel();
      if (before) return { id: before.event_id, chain: before.chain, seq: before.seq };
      return { id: parked!.event_id, chain: parked!.facility_id, seq: 0, parked: true as const };
    }),
  );
  deps.metrics.ackStageSeconds.observe({ adapter, stage: 'ack_point' }, (performance.now() - pubAcked) / 1000);
  const late = keys.filter((_, i) => !commits[i]);
  if (late.length > 0) {
    // The announcement may have been lost (core NATS is at-most-once); the store is the authority.
    const found = await findByIdempotencyKeys(deps.store, late);
    const notFound = late.filter((k) => !found.has(k));
    const parked = notFound.length > 0 && deps.findParked ? await deps.findParked(notFound) : new Map<string, { event_id: string; facility_id: string }>();
    const missing = notFound.filter((k) => !parked.has(k));
    if (missing.length > 0) throw new AckTimeoutError(missing, config.ACK_TIMEOUT_MS);
    events.forEach((_, i) => {
      if (commits[i]) return;
      const row = found.get(keys[i]!);
      const p = parked.get(keys[i]!);
      if (row) commits[i] = { id: row.event_id, chain: row.chain, seq: row.seq };
      else if (p) commits[i] = { id: p.event_id, chain: p.facility_id, seq: 0, parked: true };
    });
  }
  return events.map((e, i) => {
    const commit = commits[i]!;
    const answer: Accepted = {
      event_id: commit.id,
      idempotency_key: e.idempotency_key,
      duplicate: published[i]!.duplicate || commit.id !== e.id,
      ack_point: 'ledger' as const,
      ...differs(i),
    };
    if (commit.parked) answer.parked = true;
    else answer.ledger = { chain: commit.chain, seq: commit.seq };
    return answer;
  });
}
