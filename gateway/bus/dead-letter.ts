import type { JsMsg } from '@nats-io/jetstream';
import type { Bus } from './connection.ts';
import type { BusMessage } from './consumer.ts';
import { getEntry, headerRecord, listEntries, recordState, toHeaders, type EvidenceEntry } from './evidence-stream.ts';

export interface FailureRecord {
  at: string;
  delivery: number;
  error: string;
}

const H = {
  stream: 'Rxgate-Original-Stream',
  subject: 'Rxgate-Original-Subject',
  seq: 'Rxgate-Original-Seq',
  consumer: 'Rxgate-Consumer',
  deliveries: 'Rxgate-Deliveries',
  history: 'Rxgate-Failure-History',
  originalHeaders: 'Rxgate-Original-Headers',
} as const;

export async function deadLetter(
  bus: Bus,
  m: JsMsg,
  ctx: { stream: string; consumer: string; failures: FailureRecord[] },
): Promise<void> {
  const h = toHeaders({
    [H.stream]: ctx.stream,
    [H.subject]: m.subject,
    [H.seq]: String(m.seq),
    [H.consumer]: ctx.consumer,
    [H.deliveries]: String(m.info.deliveryCount),
    [H.history]: JSON.stringify(ctx.failures.slice(-10)),
    [H.originalHeaders]: JSON.stringify(headerRecord(m.headers)),
  });
  // The msg id makes a retried dead-lettering of the same delivery land once.
  await bus.js.publish(bus.names.dlqSubject(ctx.stream, ctx.consumer), m.data, {
    headers: h,
    msgID: `${ctx.stream}.${ctx.consumer}.${m.seq}.${m.info.deliveryCount}`,
  });
}

export interface DeadLetterView {
  id: number;
  dead_lettered_at: string;
  stream: string;
  subject: string;
  stream_seq: number;
  consumer: string;
  deliveries: number;
  failures: FailureRecord[];
  state?: EvidenceEntry['state'];
  body: string;
}

export function viewDeadLetter(e: EvidenceEntry): DeadLetterView {
  return {
    id: e.seq,
    dead_lettered_at: e.time,
    stream: e.headers[H.stream] ?? '',
    subject: e.headers[H.subject] ?? '',
    stream_seq: Number(e.headers[H.seq] ?? 0),
    consumer: e.headers[H.consumer] ?? '',
    deliveries: Number(e.headers[H.deliveries] ?? 0),
    failures: parseJson<FailureRecord[]>(e.headers[H.history], []),
    state: e.state,
    body: new TextDecoder().decode(e.data),
  };
}

export async function listDeadLetters(bus: Bus, opts: { after?: number | undefined; limit: number; consumer?: string | undefined }) {
  const page = await listEntries(bus, bus.names.streams.dlq, {
    after: opts.after,
    limit: opts.limit,
    subjects: bus.names.dlqSubjects(opts),
    // The subject's token stands for the consumer with unsafe characters replaced: the header says it exactly.
    filter: (e) => opts.consumer === undefined || e.headers[H.consumer] === opts.consumer,
  });
  return { entries: page.entries.map(viewDeadLetter), next_after: page.next_after };
}

export async function getDeadLetter(bus: Bus, id: number): Promise<DeadLetterView | null> {
  const e = await getEntry(bus, bus.names.streams.dlq, id);
  return e ? viewDeadLetter(e) : null;
}

export class UnknownConsumerError extends Error {
  constructor(readonly consumer: string) {
    super(`no consumer named ${consumer} runs in this gateway`);
    this.name = 'UnknownConsumerError';
  }
}

/**
 * Replays a dead letter through the handler of the consumer that gave up on it (and only that consumer: the
 * others already handled the message). Handlers are idempotent, so a replay never counts an event twice.
 */
export async function replayDeadLetter(
  bus: Bus,
  id: number,
  handlers: ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>,
  by: string,
): Promise<{ replayed: boolean; error?: string } | null> {
  const e = await getEntry(bus, bus.names.streams.dlq, id);
  if (!e) return null;
  const view = viewDeadLetter(e);
  const handle = handlers.get(view.consumer);
  if (!handle) throw new UnknownConsumerError(view.consumer);
  const original = parseJson<Record<string, string>>(e.headers[H.originalHeaders], {});
  try {
    await handle([{ subject: view.subject, seq: view.stream_seq, data: e.data, headers: toHeaders(original) }]);
    await recordState(bus, bus.names.streams.dlq, id, { status: 'replayed', at: new Date().toISOString(), by, result: 'ok' });
    return { replayed: true };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await recordState(bus, bus.names.streams.dlq, id, { status: 'replay_failed', at: new Date().toISOString(), by, result: error });
    return { replayed: false, error };
  }
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
