import type { MsgRequest, StoredMsg } from '@nats-io/jetstream';
import type { Bus } from './connection.ts';

/**
 * The first message of `stream` at or after sequence `seq` whose subject matches `subject` (wildcards allowed), or
 * null when there is none: one request, however many messages lie between. The server's message-get takes
 * `next_by_subj` (nats-server 2.9 and later); the client's type names only the direct-get form of it.
 */
export function nextOnSubject(bus: Bus, stream: string, seq: number, subject: string): Promise<StoredMsg | null> {
  return bus.jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as MsgRequest);
}
