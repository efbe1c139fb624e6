import type { AnswerLookup } from '../../../gateway/trace/message-trace.ts';
import { readAck } from '../ack-read.ts';
import type { SeenMessages } from './seen-messages.ts';

/**
 * The answer a sender's message got, for a message trace: from the record kept for repeats (HL7_DEDUPE_WINDOW_S),
 * read back to its codes — never the ACK's free text.
 */
export function hl7AnswerLookup(seen: SeenMessages): AnswerLookup {
  return async (sender, messageId) => {
    const record = await seen.get(sender, messageId);
    if (!record) return null;
    const acks = record.acks.flatMap((frame) => {
      const ack = readAck(Buffer.from(frame, 'base64'));
      return ack ? [{ code: ack.code, errors: ack.errors }] : [];
    });
    return { adapter: 'hl7v2', sender, answered_at: record.at, acks, event_ids: record.event_ids };
  };
}
