import type { DeliveryRecord } from '../../adapters/hl7v2/outbound/delivery-records.ts';
import type { ParkedPlace } from '../../mappings/pending/store.ts';
import { isBusOutage, type Bus } from '../bus/connection.ts';
import { findQuarantinedByMessage, type QuarantineView } from '../bus/quarantine.ts';
import type { Store } from '../store/db.ts';
import { isStoreUnreachable } from '../store/pg-errors.ts';
import { findLedgerByMessage, type LedgerPlace } from '../store/ledger.ts';

/**
 * A message trace: everything the gateway knows of one message a sender sent, found by the id the sender gave it
 * (HL7 MSH-10, an event's source.message_id) — the answer it got, the ledger entries its events became, the events
 * parked for want of a mapping, the copies kept in quarantine, and what the EHRs its dispenses were sent on to
 * answered. What an interface analyst asks first when an EHR says "we sent it" (or "we never got it"). Positions,
 * ids, codes and reasons only: the content stays behind the routes that guard it.
 */

export interface MessageQuery {
  message_id: string;
  /** as the events name it (`source.sender`; HL7: MSH-3^MSH-4 as sent); any sender when absent */
  sender?: string | undefined;
  /** `hl7v2`, `api`, …; any adapter when absent */
  adapter?: string | undefined;
}

/** The answer a sender was given, as the adapter remembers it (HL7: for HL7_DEDUPE_WINDOW_S). */
export interface AnswerRecord {
  adapter: string;
  sender: string;
  answered_at: string;
  /** each acknowledgement sent, in order (enhanced mode: the commit ACK, then the application ACK) */
  acks: { code: string; errors: string[] }[];
  event_ids: string[];
}

/** The answer an adapter gave to a sender's message id, if it still knows it. */
export type AnswerLookup = (sender: string, messageId: string) => Promise<AnswerRecord | null>;

/** Parked events (class `unm`) of the message: mappings/pending/store.ts findParkedByMessage. */
export type ParkedLookup = (q: MessageQuery & { limit: number }) => Promise<{ entries: ParkedPlace[]; more: boolean }>;

export interface MessageTrace {
  query: MessageQuery;
  answers: AnswerRecord[];
  ledger: LedgerPlace[];
  parked: ParkedPlace[];
  quarantine: QuarantineView[];
  /** what became of its events' delivery to their EHRs (HL7 outbound): the latest outcome of each */
  deliveries: DeliveryRecord[];
  /** true when a list holds only the first `limit` of what was found */
  truncated: boolean;
  /** parts that could not be read just now, their server being unreachable (their lists are empty, not known empty) */
  unavailable: TracePart[];
  /**
   * The id asked for was not a sender's but the MSH-10 the gateway sent a dispense to an EHR under: the event it was
   * built from, and the message that event came from — which is what the lists are about.
   */
  sent_as?: { control_id: string; event_id: string; message: MessageQuery };
}

export type TracePart = 'answers' | 'deliveries' | 'ledger' | 'parked' | 'quarantine';

export interface TraceDeps {
  store: Store;
  bus: Bus;
  /** by adapter name; adapters without one (the HTTP API answers at once) have no remembered answers */
  answers: ReadonlyMap<string, AnswerLookup>;
  parked?: ParkedLookup | undefined;
  /** the latest delivery outcome of these events to their EHRs; absent without outbound targets */
  deliveries?: ((eventIds: readonly string[]) => Promise<DeliveryRecord[]>) | undefined;
  /** the event a message sent to an EHR was built from, by the MSH-10 it went under; absent without outbound targets */
  eventSentAs?: ((controlId: string) => Promise<string | null>) | undefined;
  /** who sent an event and under which message id (ledger, else parked events) */
  eventSource?: ((eventId: string) => Promise<MessageQuery | null>) | undefined;
}

/** At most this many entries of each kind: a message id shared by more is a sender reusing ids, not one message. */
export const TRACE_LIMIT = 100;

export async function traceMessage(deps: TraceDeps, q: MessageQuery, limit = TRACE_LIMIT): Promise<MessageTrace> {
  const trace = await traceOne(deps, q, limit);
  const { eventSentAs, eventSource } = deps;
  if (!isEmpty(trace) || !eventSentAs || !eventSource) return trace;
  // Nothing came in under this id: it may be the MSH-10 the gateway sent on to an EHR (the EHR quotes it).
  const sent = await sentAs(eventSentAs, eventSource, q.message_id).catch((err: unknown) => {
    if (isBusOutage(err) || isStoreUnreachable(err)) return null;
    throw err;
  });
  if (!sent) return trace;
  return { ...(await traceOne(deps, sent.message, limit)), query: q, sent_as: { control_id: q.message_id, ...sent } };
}

function isEmpty(t: MessageTrace): boolean {
  return t.answers.length + t.ledger.length + t.parked.length + t.quarantine.length === 0 && t.unavailable.length === 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function sentAs(
  eventSentAs: NonNullable<TraceDeps['eventSentAs']>,
  eventSource: NonNullable<TraceDeps['eventSource']>,
  controlId: string,
): Promise<{ event_id: string; message: MessageQuery } | null> {
  const eventId = await eventSentAs(controlId);
  if (!eventId || !UUID.test(eventId)) return null;
  const message = await eventSource(eventId);
  return message && { event_id: eventId, message };
}

async function traceOne(deps: TraceDeps, q: MessageQuery, limit: number): Promise<MessageTrace> {
  const unavailable: TracePart[] = [];
  // A part whose server is down is reported as such; the others are still worth reading (NATS down: the ledger and
  // the parked events are in PostgreSQL). Anything else is a fault and fails the trace.
  const reading = async <T>(part: TracePart, work: () => Promise<T>, unknown: T): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!isBusOutage(err) && !isStoreUnreachable(err)) throw err;
      unavailable.push(part);
      return unknown;
    }
  };
  const none = { entries: [], more: false };
  const [ledger, parked, quarantine] = await Promise.all([
    reading('ledger', () => findLedgerByMessage(deps.store, { ...q, limit }), none),
    deps.parked ? reading('parked', () => deps.parked!({ ...q, limit }), none) : none,
    reading('quarantine', () => findQuarantinedByMessage(deps.bus, { ...q, limit }), none),
  ]);
  const answers = await reading(
    'answers',
    () =>
      rememberedAnswers(deps.answers, q, [
        ...ledger.entries.map((e) => ({ adapter: e.adapter, sender: e.sender })),
        ...parked.entries.map((e) => ({ adapter: e.adapter, sender: e.sender })),
        ...quarantine.entries.map((e) => ({ adapter: e.adapter, sender: e.source?.sender ?? null })),
      ]),
    [],
  );
  // Its events, wherever they were found: in the ledger, parked, or named by the answer it got.
  const eventIds = [...new Set([...ledger.entries.map((e) => e.event_id), ...parked.entries.map((e) => e.event_id), ...answers.flatMap((a) => a.event_ids)])];
  const deliveries = deps.deliveries && eventIds.length > 0 ? await reading('deliveries', () => deps.deliveries!(eventIds.slice(0, limit)), []) : [];
  return {
    query: q,
    answers,
    ledger: ledger.entries,
    parked: parked.entries,
    quarantine: quarantine.entries,
    deliveries,
    truncated: ledger.more || parked.more || quarantine.more,
    unavailable: unavailable.sort(),
  };
}

/**
 * The answers remembered for the message: asked of each adapter with a memory of answers, for the sender named, or
 * else for each sender the message was found under (an answer is remembered by sender and message id together).
 */
async function rememberedAnswers(
  lookups: ReadonlyMap<string, AnswerLookup>,
  q: MessageQuery,
  found: { adapter: string; sender: string | null }[],
): Promise<AnswerRecord[]> {
  const asks = new Map<string, { adapter: string; sender: string }>();
  for (const adapter of lookups.keys()) {
    if (q.adapter !== undefined && q.adapter !== adapter) continue;
    const senders = q.sender !== undefined ? [q.sender] : found.filter((f) => f.adapter === adapter && f.sender !== null).map((f) => f.sender!);
    for (const sender of senders) asks.set(`${adapter}\u0000${sender}`, { adapter, sender });
  }
  const answers = await Promise.all([...asks.values()].map(({ adapter, sender }) => lookups.get(adapter)!(sender, q.message_id)));
  return answers.filter((a): a is AnswerRecord => a !== null);
}
