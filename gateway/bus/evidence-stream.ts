import type { StoredMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers as newHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { Bus } from './connection.ts';
import { BusDisconnectedError } from './jetstream-publisher.ts';
import { nextOnSubject } from './next-on-subject.ts';

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
    if (v !== undefined) h.set(k, headerText(v));
  }
  return h;
}

/**
 * A value as a header keeps it: header values are single lines, so anything multi-line or longer is summarised,
 * never allowed to break framing; the server keeps no blanks around a value.
 */
export function headerText(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 8_000).trim();
}

export async function getEntry(bus: Bus, stream: string, seq: number): Promise<EvidenceEntry | null> {
  const sm = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
  return sm ? withState(sm, await stateBucket(bus), stream) : null;
}

async function withState(sm: StoredMsg, states: KV, stream: string): Promise<EvidenceEntry> {
  const state = await states.get(`${stream}.${sm.seq}`);
  return {
    seq: sm.seq,
    subject: sm.subject,
    time: sm.time.toISOString(),
    headers: headerRecord(sm.header),
    data: sm.data,
    state: state?.value && state.value.length > 0 ? (state.json() as EntryState) : undefined,
  };
}

/**
 * Entries after `after` (exclusive), oldest first, at most `limit`, on any of `subjects` (default: all). The server
 * finds each next match, so a page costs a request per entry returned, however many entries lie between them; a
 * listing filtered down to a few entries of a large stream does not read the stream through. `next_after` is set
 * when at least one more entry follows.
 */
export async function listEntries(
  bus: Bus,
  stream: string,
  opts: { after?: number; limit: number; subjects?: readonly string[]; filter?: (e: EvidenceEntry) => boolean },
): Promise<{ entries: EvidenceEntry[]; next_after?: number }> {
  // While the connection is down every request would wait out its timeout (seconds): say so at once instead.
  if (!bus.publisher.isConnected) throw new BusDisconnectedError();
  const states = await stateBucket(bus);
  const subjects = opts.subjects && opts.subjects.length > 0 ? opts.subjects : ['>'];
  // The next match of each subject at or after `from`, fetched when the one held is behind; null: none left.
  const next = new Map<string, StoredMsg | null>();
  const following = async (from: number): Promise<StoredMsg | null> => {
    let first: StoredMsg | null = null;
    for (const subject of subjects) {
      let held = next.get(subject);
      if (held === undefined || (held !== null && held.seq < from)) {
        held = await nextOnSubject(bus, stream, from, subject);
        next.set(subject, held);
      }
      if (held && (!first || held.seq < first.seq)) first = held;
    }
    return first;
  };
  const entries: EvidenceEntry[] = [];
  let from = (opts.after ?? 0) + 1;
  while (entries.length < opts.limit) {
    const sm = await following(from);
    if (!sm) return { entries };
    from = sm.seq + 1;
    const entry = await withState(sm, states, stream);
    if (!opts.filter || opts.filter(entry)) entries.push(entry);
  }
  return (await following(from)) ? { entries, next_after: from - 1 } : { entries };
}

export async function recordState(bus: Bus, stream: string, seq: number, state: EntryState): Promise<void> {
  const kv = await stateBucket(bus);
  await kv.put(`${stream}.${seq}`, JSON.stringify(state));
}
