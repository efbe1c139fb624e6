import { headers as newHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { Bus } from './connection.ts';

/**
 * QUARANTINE and DLQ are evidence: messages are never removed from them. What became of an entry (replayed, by
 * whom, with which result) is kept beside it in a KV bucket, keyed by stream and sequence.
 */

export interface EvidenceEntry {
  seq: number;
  subject: string;
  time: string;
  headers: Record<string, string>;
  data: Uint8Array;
  state?: EntryState;
}

export interface EntryState {
  status: 'replayed' | 'replay_failed';
  at: string;
  by: string;
  result: unknown;
}

export async function stateBucket(bus: Bus): Promise<KV> {
  return bus.kvm.create(bus.names.buckets.evidenceState, { history: 10 });
}

export function headerRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of h) out[k] = v.join(', ');
  return out;
}

export function toHeaders(record: Record<string, string | undefined>): MsgHdrs {
  const h = newHeaders();
  for (const [k, v] of Object.entries(record)) {
    // Header values are single lines; anything longer or multi-line is summarised, never allowed to break framing.
    if (v !== undefined) h.set(k, v.replace(/[\r\n]+/g, ' ').slice(0, 8_000));
  }
  return h;
}

export async function getEntry(bus: Bus, stream: string, seq: number): Promise<EvidenceEntry | null> {
  const sm = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
  if (!sm) return null;
  const kv = await stateBucket(bus);
  const state = await kv.get(`${stream}.${seq}`);
  return {
    seq: sm.seq,
    subject: sm.subject,
    time: sm.time.toISOString(),
    headers: headerRecord(sm.header),
    data: sm.data,
    state: state?.value && state.value.length > 0 ? (state.json() as EntryState) : undefined,
  };
}

/** Entries after `after` (exclusive), oldest first, at most `limit`. */
export async function listEntries(
  bus: Bus,
  stream: string,
  opts: { after?: number; limit: number; filter?: (e: EvidenceEntry) => boolean },
): Promise<{ entries: EvidenceEntry[]; next_after?: number }> {
  const info = await bus.jsm.streams.info(stream);
  const last = info.state.last_seq;
  const entries: EvidenceEntry[] = [];
  let seq = Math.max(opts.after ?? 0, info.state.first_seq - 1);
  while (entries.length < opts.limit && seq < last) {
    seq++;
    const entry = await getEntry(bus, stream, seq);
    if (entry && (!opts.filter || opts.filter(entry))) entries.push(entry);
  }
  return { entries, next_after: seq < last ? seq : undefined };
}

export async function recordState(bus: Bus, stream: string, seq: number, state: EntryState): Promise<void> {
  const kv = await stateBucket(bus);
  await kv.put(`${stream}.${seq}`, JSON.stringify(state));
}
