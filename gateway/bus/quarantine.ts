import type { Bus } from './connection.ts';
import { getEntry, headerText, listEntries, recordState, toHeaders, type EvidenceEntry } from './evidence-stream.ts';

/**
 * Rejected input is kept raw, with the reason, so nothing is lost: an analyst can read it and replay it once the
 * cause is fixed. The details name fields and positions only; PHI stays in the raw bytes, which only privileged
 * roles may read.
 */

export interface QuarantineInput {
  adapter: string;
  reason: string;
  message: string;
  details?: unknown;
  correlation_id: string;
  content_type?: string;
  raw: Uint8Array;
  received_at: string;
  /**
   * Who sent it and under which message id, where the input says (MSH-3^MSH-4 and MSH-10; an event's
   * source.sender and source.message_id): what a message trace finds the entry by.
   */
  source?: MessageSource | undefined;
}

export interface MessageSource {
  sender?: string | undefined;
  message_id: string;
}

export interface QuarantineView {
  id: number;
  quarantined_at: string;
  received_at: string;
  adapter: string;
  reason: string;
  message: string;
  details: unknown;
  correlation_id: string;
  content_type: string;
  size: number;
  /** sender and message id as the input gave them; null when it gave none (input that could not be read) */
  source: MessageSource | null;
  state?: EvidenceEntry['state'];
}

export type QuarantineReplayOutcome = { accepted: true; event_ids: string[] } | { accepted: false; reason: string; details?: unknown };
export type QuarantineReplayer = (raw: Uint8Array, entry: QuarantineView) => Promise<QuarantineReplayOutcome>;

const H = {
  adapter: 'Rxgate-Adapter',
  reason: 'Rxgate-Reason',
  message: 'Rxgate-Message',
  details: 'Rxgate-Details',
  correlationId: 'Rxgate-Correlation-Id',
  contentType: 'Rxgate-Content-Type',
  receivedAt: 'Rxgate-Received-At',
  sourceSender: 'Rxgate-Source-Sender',
  sourceMessageId: 'Rxgate-Source-Message-Id',
} as const;

export async function quarantine(bus: Bus, q: QuarantineInput): Promise<number> {
  const ack = await bus.publisher.publish(bus.names.quarantineSubject(q.adapter, q.reason, q.source?.message_id), q.raw, {
    headers: toHeaders({
      [H.adapter]: q.adapter,
      [H.reason]: q.reason,
      [H.message]: q.message,
      [H.details]: q.details === undefined ? undefined : JSON.stringify(q.details),
      [H.correlationId]: q.correlation_id,
      [H.contentType]: q.content_type ?? 'application/octet-stream',
      [H.receivedAt]: q.received_at,
      [H.sourceSender]: q.source?.sender,
      [H.sourceMessageId]: q.source?.message_id,
    }),
  });
  return ack.seq;
}

function view(e: EvidenceEntry): QuarantineView {
  let details: unknown = null;
  try {
    details = e.headers[H.details] ? JSON.parse(e.headers[H.details]!) : null;
  } catch {
    details = e.headers[H.details];
  }
  return {
    id: e.seq,
    quarantined_at: e.time,
    received_at: e.headers[H.receivedAt] ?? e.time,
    adapter: e.headers[H.adapter] ?? '',
    reason: e.headers[H.reason] ?? '',
    message: e.headers[H.message] ?? '',
    details,
    correlation_id: e.headers[H.correlationId] ?? '',
    content_type: e.headers[H.contentType] ?? 'application/octet-stream',
    size: e.data.length,
    source: sourceOf(e),
    state: e.state,
  };
}

function sourceOf(e: EvidenceEntry): MessageSource | null {
  const messageId = e.headers[H.sourceMessageId];
  if (messageId === undefined) return null;
  const sender = e.headers[H.sourceSender];
  return sender === undefined ? { message_id: messageId } : { sender, message_id: messageId };
}

export async function listQuarantine(bus: Bus, opts: { after?: number; limit: number; adapter?: string | undefined; reason?: string | undefined }) {
  const page = await listEntries(bus, bus.names.streams.quarantine, {
    after: opts.after,
    limit: opts.limit,
    subjects: bus.names.quarantineSubjects(opts),
    // Subject tokens stand for adapter and reason with unsafe characters replaced: the headers say them exactly.
    filter: (e) =>
      (!opts.adapter || e.headers[H.adapter] === opts.adapter) && (!opts.reason || e.headers[H.reason] === opts.reason),
  });
  return { entries: page.entries.map(view), next_after: page.next_after };
}

/**
 * The entries kept of one message: those whose source names this message id (and sender and adapter, when given),
 * oldest first, at most `limit`. Found by the message id's subject token, so the stream is not read through.
 */
export async function findQuarantinedByMessage(
  bus: Bus,
  q: { message_id: string; sender?: string | undefined; adapter?: string | undefined; limit: number },
): Promise<{ entries: QuarantineView[]; more: boolean }> {
  const page = await listEntries(bus, bus.names.streams.quarantine, {
    limit: q.limit,
    subjects: bus.names.quarantineSubjects({ adapter: q.adapter, messageId: q.message_id }),
    // Compared as the headers keep them (headerText), so an id with a line break or blanks around it is still found.
    filter: (e) =>
      e.headers[H.sourceMessageId] === headerText(q.message_id) &&
      (q.sender === undefined || e.headers[H.sourceSender] === headerText(q.sender)) &&
      (q.adapter === undefined || e.headers[H.adapter] === q.adapter),
  });
  return { entries: page.entries.map(view), more: page.next_after !== undefined };
}

export async function getQuarantined(bus: Bus, id: number): Promise<{ entry: QuarantineView; raw: Uint8Array } | null> {
  const e = await getEntry(bus, bus.names.streams.quarantine, id);
  return e ? { entry: view(e), raw: e.data } : null;
}

export class NoReplayerError extends Error {
  constructor(readonly adapter: string) {
    super(`adapter ${adapter} has no replay handler in this gateway`);
    this.name = 'NoReplayerError';
  }
}

/** Feeds the raw bytes to their adapter again; the outcome is recorded beside the entry, which itself stays. */
export async function replayQuarantined(
  bus: Bus,
  id: number,
  replayers: ReadonlyMap<string, QuarantineReplayer>,
  by: string,
): Promise<QuarantineReplayOutcome | null> {
  const found = await getQuarantined(bus, id);
  if (!found) return null;
  const replay = replayers.get(found.entry.adapter);
  if (!replay) throw new NoReplayerError(found.entry.adapter);
  const outcome = await replay(found.raw, found.entry);
  await recordState(bus, bus.names.streams.quarantine, id, {
    status: outcome.accepted ? 'replayed' : 'replay_failed',
    at: new Date().toISOString(),
    by,
    result: outcome,
  });
  return outcome;
}
