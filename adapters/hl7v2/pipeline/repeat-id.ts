import { sha256Hex } from '../../../gateway/events/ids.ts';

/**
 * The JetStream message id (Nats-Msg-Id) of the n-th event of an HL7 message: the same for every copy of one
 * sender's MSH-10, whatever its bytes. HL7 makes MSH-10 unique per sender, and an interface engine that rebuilds a
 * message to resend it stamps a new MSH-7, so the idempotency key (which hashes the bytes) differs between the
 * copies; this id does not, and JetStream's duplicate window catches the resend.
 */
export function repeatMsgId(sender: string, messageId: string, eventNumber: number): string {
  return `hl7r-${sha256Hex(`${sender.length}:${sender}|${messageId.length}:${messageId}|${eventNumber}`)}`;
}
