/**
 * Typed errors of the HL7 v2 parser, serialiser and ACK builder.
 *
 * Every error carries an HL7 table 0357 code (so the ACK builder can put it in ERR-3 without guessing) and a
 * location precise enough for ERR-2 and for an analyst: segment name, position of the segment in the message,
 * its occurrence among segments of the same name, field, repetition, component, subcomponent, and the character
 * offset in the decoded text. Messages never quote field contents: they may hold PHI and end up in logs.
 */

/** HL7 table 0357 (message error condition codes) — the subset the gateway emits. */
export const Hl7ErrorCode = {
  MessageAccepted: 0,
  SegmentSequenceError: 100,
  RequiredFieldMissing: 101,
  DataTypeError: 102,
  TableValueNotFound: 103,
  UnsupportedMessageType: 200,
  UnsupportedEventCode: 201,
  UnsupportedProcessingId: 202,
  UnsupportedVersionId: 203,
  ApplicationInternalError: 207,
} as const;

export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/** The standard's wording, used as ERR-3.2 / ELD-4.2 text. */
export const HL7_ERROR_TEXT: Readonly<Record<Hl7ErrorCode, string>> = {
  0: 'Message accepted',
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  207: 'Application internal error',
};

/**
 * Where something went wrong. Only `position` is always present; the rest is filled in as far as it is known.
 * Numbering follows ERL (HL7 v2.5+ error location): everything 1-based, including `repetition` (unlike
 * `Hl7Segment.get`, whose repetition argument is 0-based like a JavaScript array index).
 */
export interface Hl7Location {
  /** Segment name, e.g. 'PID'. */
  readonly segment?: string;
  /** 1-based position of the segment in its message (in the file, for batch-envelope errors). */
  readonly segmentIndex?: number;
  /** 1-based occurrence among segments of the same name (ERL-2 "segment sequence"). */
  readonly occurrence?: number;
  readonly field?: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
  /** 1-based message number inside a batch; absent for a single message. */
  readonly messageIndex?: number;
  /**
   * 0-based offset into the decoded text (after BOM removal) where the problem starts.
   * For a character-set error, the byte offset in the input.
   */
  readonly position: number;
}

export class Hl7Error extends Error {
  override readonly name: string = 'Hl7Error';
  readonly code: Hl7ErrorCode;
  readonly location: Hl7Location;
  /** The message without the location suffix, for ERR-7 and for re-locating. */
  readonly detail: string;

  constructor(code: Hl7ErrorCode, detail: string, location: Hl7Location) {
    super(`${detail} (${describeLocation(location)})`);
    this.code = code;
    this.detail = detail;
    this.location = location;
  }
}

/** The input is not a well-formed HL7 v2 message or batch. */
export class Hl7ParseError extends Hl7Error {
  override readonly name = 'Hl7ParseError';
}

/** The message parsed, but a value the standard requires is missing (an AE, not an AR). */
export class Hl7ValidationError extends Hl7Error {
  override readonly name = 'Hl7ValidationError';
}

/** A value cannot be written with the message's delimiters or character set. */
export class Hl7EncodeError extends Hl7Error {
  override readonly name = 'Hl7EncodeError';
}

/** 'PID[2]-3(1).4.1 at 120' style, the usual HL7 path notation plus the text offset. */
export function describeLocation(location: Hl7Location): string {
  let path = '';
  if (location.messageIndex !== undefined) path += `message ${location.messageIndex} `;
  if (location.segment !== undefined) {
    path += location.segment;
    if (location.segmentIndex !== undefined) path += ` #${location.segmentIndex}`;
    if (location.field !== undefined) {
      path += `-${location.field}`;
      if (location.repetition !== undefined) path += `(${location.repetition})`;
      if (location.component !== undefined) path += `.${location.component}`;
      if (location.subcomponent !== undefined) path += `.${location.subcomponent}`;
    }
    path += ', ';
  } else if (location.segmentIndex !== undefined) {
    path += `segment #${location.segmentIndex}, `;
  }
  return `${path}position ${location.position}`;
}

/** A copy of an error's location shifted into an enclosing text (used by batches). */
export function relocate(error: Hl7Error, offset: number, messageIndex: number): Hl7ParseError {
  const location: Hl7Location = { ...error.location, position: error.location.position + offset, messageIndex };
  return new Hl7ParseError(error.code, error.detail, location);
}
