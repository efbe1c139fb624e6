import { ackCode, ackPlan, shouldAcknowledge, type AckCode, type AckCondition, type AckOutcome, type AckPlan } from './ack-plan.ts';
import { components, copyRaw, errSegmentFields, formatHl7Timestamp, isBefore, safeText, type AckIssue } from './ack-fields.ts';
import { isWritableCharset, sourceFromMessage, sourceFromPeek, type AckSource } from './ack-source.ts';
import { fitsCharset } from './charset.ts';
import { DEFAULT_DELIMITERS } from './delimiters.ts';
import { HL7_ERROR_TEXT, Hl7Error, Hl7ErrorCode } from './errors.ts';
import type { FieldInput } from './field-input.ts';
import { createMessage, type EditableMessage, type Hl7Message } from './message.ts';
import { parseMessage } from './parse.ts';
import { peekHeader } from './peek.ts';

export { ackPlan, shouldAcknowledge, ackCode, type AckPlan, type AckCode, type AckCondition, type AckOutcome };
export { formatHl7Timestamp, type AckIssue };

/**
 * Acknowledgements (ACK) for HL7 v2 messages. Pure: the ACK's own control id and timestamp are passed in.
 *
 * MSH: the original's delimiters; MSH-3/4 ← original MSH-5/6 and MSH-5/6 ← MSH-3/4 (copied as received);
 * MSH-9 `ACK^<trigger>^ACK` (`ACK^<trigger>` before v2.3.1, which had no message structure component);
 * MSH-11, MSH-12 and MSH-18 copied from the original; MSH-15/16 `NE` in enhanced mode (an acknowledgement never
 * asks to be acknowledged), empty in original mode.
 * MSA: MSA-1 code, MSA-2 = the original MSH-10 as received, MSA-3 text (≤ 80 characters, the v2.5 length).
 * ERR, one per issue:
 * - v2.5 and later: ERR-2 location as ERL `segment^sequence^field^repetition^component^subcomponent` (sequence is
 *   the occurrence of that segment name, all 1-based), ERR-3 `code^text^HL70357`, ERR-4 severity E/W/I,
 *   ERR-7 diagnostic text.
 * - before v2.5 (2.1–2.4): ERR-1 as ELD `segment^sequence^field^code&text&HL70357`, the only form those
 *   versions know; ERR-2… did not exist. A message whose version is unknown gets the v2.5 form.
 */
export interface AckOptions {
  /** MSA-1. */
  readonly code: AckCode;
  /** MSH-10 of the ACK itself. */
  readonly controlId: string;
  /** MSH-7: a Date (written in UTC) or an HL7 timestamp string. */
  readonly timestamp: Date | string;
  /** MSA-3. */
  readonly text?: string;
  readonly issues?: readonly AckIssue[];
}

/** An ERR/MSA value from an Hl7Error (or anything thrown): 207 for what is not an Hl7Error. */
export function issueFromError(error: unknown): AckIssue {
  if (error instanceof Hl7Error) return { code: error.code, diagnostic: error.message, location: error.location };
  return { code: Hl7ErrorCode.ApplicationInternalError, diagnostic: 'internal error while processing the message' };
}

function assemble(source: AckSource, options: AckOptions): EditableMessage {
  const d = source.delimiters;
  const timestamp = typeof options.timestamp === 'string' ? options.timestamp : formatHl7Timestamp(options.timestamp);
  const trigger = safeText(source.triggerEvent, d);
  const messageType = isBefore(source.version, [2, 3, 1]) ? ['ACK', trigger] : ['ACK', trigger, 'ACK'];
  const msh: Record<number, FieldInput> = {
    3: copyRaw(source, 5),
    4: copyRaw(source, 6),
    5: copyRaw(source, 3),
    6: copyRaw(source, 4),
    7: safeText(timestamp, d),
    9: components(messageType, d),
    10: safeText(options.controlId, d),
    11: source.header.rawField(11) === '' ? 'P' : copyRaw(source, 11),
    // An ACK must carry a version; when none could be read, the most widely deployed one.
    12: source.header.rawField(12) === '' ? safeText('2.5.1', d) : copyRaw(source, 12),
  };
  if (source.enhanced) {
    msh[15] = 'NE';
    msh[16] = 'NE';
  }
  // Mirror the charset only when the ACK can be written in it (charset.ts encodeText); otherwise declare none,
  // which reads as UTF-8. A sender's bytes that were not in its declared charset can lead there.
  if (source.header.rawField(18) === '' || !isWritableCharset(source.charset)) return withBody(createMessage({ delimiters: d, msh }), source, options);
  msh[18] = copyRaw(source, 18);
  const ack = withBody(createMessage({ delimiters: d, msh }), source, options);
  if (fitsCharset(ack.toString(), source.charset)) return ack;
  delete msh[18];
  return withBody(createMessage({ delimiters: d, msh }), source, options);
}

/** MSA and ERR segments. */
function withBody(ack: EditableMessage, source: AckSource, options: AckOptions): EditableMessage {
  const msa: Record<number, FieldInput> = { 1: options.code, 2: copyRaw(source, 10) };
  if (options.text !== undefined && options.text !== '') msa[3] = safeText(options.text.slice(0, 80), source.delimiters);
  ack.append('MSA', msa);
  if (options.issues !== undefined) for (const issue of options.issues) ack.append('ERR', errSegmentFields(issue, source));
  return ack;
}

/** The ACK of a parsed message. */
export function buildAck(original: Hl7Message, options: AckOptions): EditableMessage {
  return assemble(sourceFromMessage(original), options);
}

export interface RejectContext {
  /** MSH-10 of the ACK itself. */
  readonly controlId: string;
  readonly timestamp: Date | string;
  /** MSA-3; default: the error's description. */
  readonly text?: string;
}

/**
 * An AR (original mode) or CR (enhanced mode, when MSH-15/16 could be read) for input that did not parse,
 * mirroring whatever peekHeader recovers; the default delimiters when the sender's are unusable.
 */
export function buildRejectForUnparseable(raw: Uint8Array | string, error: unknown, context: RejectContext): EditableMessage {
  const source = sourceFromPeek(peekHeader(raw));
  const issue = issueFromError(error);
  const options: AckOptions = {
    code: ackCode(source.enhanced ? 'commit' : 'application', 'reject'),
    controlId: context.controlId,
    timestamp: context.timestamp,
    text: context.text ?? (error instanceof Hl7Error ? error.detail : HL7_ERROR_TEXT[issue.code]),
    issues: [issue],
  };
  const mirrored = tryAssemble(source, options);
  if (mirrored !== undefined && isReadable(mirrored)) return mirrored;
  // The sender's delimiters can be odd enough (say '.' as subcomponent separator and no escape character) that
  // a mirrored header would not read back; then the reject is written plainly with the default delimiters.
  return assemble({ ...source, delimiters: DEFAULT_DELIMITERS, rawFits: false }, options);
}

function tryAssemble(source: AckSource, options: AckOptions): EditableMessage | undefined {
  try {
    return assemble(source, options);
  } catch {
    return undefined;
  }
}

function isReadable(ack: Hl7Message): boolean {
  try {
    parseMessage(ack.toString());
    return true;
  } catch {
    return false;
  }
}

/** The plan and the ACK code for an outcome, for callers that decide per message (see ack-plan.ts). */
export function ackFor(
  plan: AckPlan,
  kind: 'commit' | 'application',
  outcome: AckOutcome,
): { readonly send: boolean; readonly code: AckCode } {
  const condition: AckCondition = kind === 'commit' ? plan.commit : plan.application;
  return { send: shouldAcknowledge(condition, outcome), code: ackCode(kind, outcome) };
}
