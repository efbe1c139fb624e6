import type { MessageSource } from '../../../gateway/bus/quarantine.ts';
import { peekHeader } from '../peek.ts';
import { senderOf, type SendingSide } from '../sender.ts';

/** Sender and MSH-10 of a message, for its quarantined copies; undefined without a control id. */
export function messageSource(message: SendingSide & { readonly controlId: string }): MessageSource | undefined {
  const messageId = message.controlId.trim();
  return messageId === '' ? undefined : { sender: senderOf(message), message_id: messageId };
}

/** The same, read from bytes that did not parse, as far as their header can be read. */
export function peekedSource(raw: Uint8Array): MessageSource | undefined {
  return messageSource(peekHeader(raw));
}
