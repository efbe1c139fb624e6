import { resolveCharset } from './charset.ts';
import { DEFAULT_DELIMITERS, type Delimiters } from './delimiters.ts';
import type { Hl7Message } from './message.ts';
import { ackPlan } from './ack-plan.ts';
import type { PeekedHeader } from './peek.ts';

/**
 * Where an ACK's header values come from: a parsed message, or what peekHeader recovered from input that did not
 * parse. The second is cleaned so that a reject is always itself a readable message.
 */
export interface AckSource {
  readonly delimiters: Delimiters;
  /** The header whose raw fields are mirrored (the original MSH, or what peekHeader read); see copyRaw. */
  readonly header: { rawField(field: number): string };
  /** Whether header values were written with `delimiters` (false after falling back to the default ones). */
  readonly rawFits: boolean;
  readonly triggerEvent: string;
  readonly version: string;
  /** MSH-18, first repetition, decoded. */
  readonly charset: string;
  readonly enhanced: boolean;
}

/** Whether an MSH-18 value names a charset we can write (and so may be mirrored into an ACK). */
export function isWritableCharset(charset: string): boolean {
  const resolved = resolveCharset(charset);
  return resolved !== undefined && resolved !== '';
}

const TRIGGER = /^[A-Z0-9]{3}$/;
const VERSION = /^2\.[1-9](?:\.\d+)?$/;

/** The source of the ACK of a parsed message: its own MSH, copied as received. */
export function sourceFromMessage(original: Hl7Message): AckSource {
  return {
    delimiters: original.delimiters,
    header: original.msh,
    rawFits: true,
    triggerEvent: original.triggerEvent,
    version: original.version,
    charset: original.charset,
    enhanced: ackPlan(original).mode === 'enhanced',
  };
}

/** The fields of a peeked header as an ACK mirrors them into its MSH. */
class PeekedMshFields {
  constructor(private readonly peeked: PeekedHeader) {}

  rawField(field: number): string {
    const peeked = this.peeked;
    // Only the version id itself, checked: the rest of a broken MSH-12 could make the reject unreadable.
    if (field === 12) return VERSION.test(peeked.version) ? peeked.version : '';
    // FHS/BHS share MSH's layout for fields 3–6; their control id (field 11) answers for MSH-10.
    if (peeked.segment === 'MSH' || (field >= 3 && field <= 6)) return peeked.fields[field] ?? '';
    return field === 10 ? peeked.controlId : '';
  }
}

/** The source of a reject: the peeked header, with a malformed trigger or version left out. */
export function sourceFromPeek(peeked: PeekedHeader): AckSource {
  const delimiters = peeked.delimiters ?? DEFAULT_DELIMITERS;
  return {
    delimiters,
    // Only MSH fields mirror into an ACK's MSH; FHS/BHS share the layout of fields 3–6 and 11 (→ MSA-2 via 10).
    header: new PeekedMshFields(peeked),
    rawFits: peeked.delimiters !== undefined,
    // A reject must itself be a readable message: a malformed trigger or version is not mirrored.
    triggerEvent: TRIGGER.test(peeked.triggerEvent) ? peeked.triggerEvent : '',
    version: VERSION.test(peeked.version) ? peeked.version : '',
    charset: peeked.charset,
    enhanced: peeked.acceptAckType !== '' || peeked.applicationAckType !== '',
  };
}

