/** The sending side of an HL7 header: a parsed message or a peeked one. */
export interface SendingSide {
  readonly sendingApplication: string;
  readonly sendingFacility: string;
}

/**
 * Who sent a message as its events name it (`source.sender`), as repeats are recognised and as a trace asks for it:
 * MSH-3^MSH-4 as the sender wrote them, escape sequences and components included.
 */
export function senderOf(header: SendingSide): string {
  return `${header.sendingApplication}^${header.sendingFacility}`;
}
