import { readDelimiters, type Delimiters } from './delimiters.ts';
import { Hl7ErrorCode, Hl7ParseError, type Hl7Location } from './errors.ts';
import type { TextCharset } from './charset.ts';
import { charsetForText } from './input-text.ts';
import { Message } from './message.ts';
import type { Segment, SegmentContext } from './segment.ts';
import type { SegmentLines } from './segment-lines.ts';

/** One message's lines inside a (possibly larger) text: [first, last) of `lines`, source [sourceStart, sourceEnd). */
export interface MessageSpan {
  readonly text: string;
  readonly lines: SegmentLines;
  readonly first: number;
  readonly last: number;
  readonly sourceStart: number;
  readonly sourceEnd: number;
  /** Charset the bytes were decoded in; undefined for string input (then derived from MSH-18). */
  readonly charset: TextCharset | undefined;
}

const ENVELOPE_SEGMENTS: ReadonlySet<string> = new Set(['FHS', 'BHS', 'BTS', 'FTS']);
const CODE_PATTERN = /^[A-Z0-9]{3}$/;
/** v2.1 … v2.9 with an optional third part (2.3.1, 2.5.1). */
const VERSION_PATTERN = /^2\.[1-9](?:\.\d+)?$/;

function isUpperAlnum(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

/** Segment names are three upper-case letters or digits, followed by the field separator or the line end. */
export function hasValidSegmentName(text: string, start: number, end: number, fieldSeparator: string): boolean {
  return (
    end - start >= 3 &&
    isUpperAlnum(text.charCodeAt(start)) &&
    isUpperAlnum(text.charCodeAt(start + 1)) &&
    isUpperAlnum(text.charCodeAt(start + 2)) &&
    (end === start + 3 || text[start + 3] === fieldSeparator)
  );
}

function fieldLocation(segment: Segment, field: number, extra: Partial<Hl7Location> = {}): Hl7Location {
  const offset = segment.fieldOffset(field);
  const base = Math.max(segment.offset, 0);
  return {
    segment: segment.name,
    segmentIndex: segment.index,
    occurrence: 1,
    field,
    position: offset === -1 ? base + segment.raw.length : base + offset,
    ...extra,
  };
}

/** MSH-9, MSH-10 and MSH-12 must be there for anyone to route or acknowledge the message. */
function validateHeader(msh: Segment): void {
  if (msh.rawField(9) === '') {
    throw new Hl7ParseError(Hl7ErrorCode.RequiredFieldMissing, 'MSH-9 message type is missing', fieldLocation(msh, 9));
  }
  const code = msh.get(9, 1);
  if (code === '') {
    throw new Hl7ParseError(Hl7ErrorCode.RequiredFieldMissing, 'MSH-9.1 message code is missing', fieldLocation(msh, 9, { component: 1 }));
  }
  if (!CODE_PATTERN.test(code)) {
    throw new Hl7ParseError(Hl7ErrorCode.DataTypeError, 'MSH-9.1 message code must be three upper-case letters or digits', fieldLocation(msh, 9, { component: 1 }));
  }
  const trigger = msh.get(9, 2);
  if (trigger !== '' && !CODE_PATTERN.test(trigger)) {
    throw new Hl7ParseError(Hl7ErrorCode.DataTypeError, 'MSH-9.2 trigger event must be three upper-case letters or digits', fieldLocation(msh, 9, { component: 2 }));
  }
  if (msh.get(10) === '') {
    throw new Hl7ParseError(Hl7ErrorCode.RequiredFieldMissing, 'MSH-10 message control id is missing', fieldLocation(msh, 10));
  }
  const version = msh.get(12, 1);
  if (version === '') {
    throw new Hl7ParseError(Hl7ErrorCode.RequiredFieldMissing, 'MSH-12 version id is missing', fieldLocation(msh, 12, { component: 1 }));
  }
  if (!VERSION_PATTERN.test(version)) {
    throw new Hl7ParseError(Hl7ErrorCode.UnsupportedVersionId, 'MSH-12 version id is not an HL7 v2 version (2.1 … 2.9.x)', fieldLocation(msh, 12, { component: 1 }));
  }
}

/** Delimiters from MSH-1/MSH-2 (or FHS/BHS) of the line at `start`. */
function headerFieldLocation(name: string, segmentIndex: number, field: 1 | 2, start: number, end: number): Hl7Location {
  return { segment: name, segmentIndex, occurrence: 1, field, position: Math.min(start + 2 + field, end) };
}

export function delimitersOfHeaderLine(text: string, start: number, end: number, name: string, segmentIndex: number): Delimiters {
  if (end < start + 4) {
    throw new Hl7ParseError(Hl7ErrorCode.RequiredFieldMissing, `${name}-1 field separator is missing`, headerFieldLocation(name, segmentIndex, 1, start, end));
  }
  const fieldSeparator = text[start + 3]!;
  const encodingEnd = text.indexOf(fieldSeparator, start + 4);
  const encoding = text.slice(start + 4, encodingEnd === -1 || encodingEnd > end ? end : encodingEnd);
  const reading = readDelimiters(fieldSeparator, encoding);
  if (!reading.ok) {
    throw new Hl7ParseError(reading.code, reading.reason.replaceAll('MSH', name), headerFieldLocation(name, segmentIndex, reading.field, start, end));
  }
  return reading.delimiters;
}

function occurrenceOf(message: Message, name: string): number {
  return message.all(name).length + 1;
}

/** Builds and validates one message. Throws Hl7ParseError at the first problem in document order. */
export function readMessage(span: MessageSpan): Message {
  const { text, lines, first, last } = span;
  if (first >= last) {
    throw new Hl7ParseError(Hl7ErrorCode.SegmentSequenceError, 'the message is empty', { position: span.sourceStart });
  }
  const mshStart = lines.starts[first]!;
  const mshEnd = lines.ends[first]!;
  if (!text.startsWith('MSH', mshStart) || mshEnd < mshStart + 3) {
    throw new Hl7ParseError(Hl7ErrorCode.SegmentSequenceError, 'a message must start with an MSH segment', {
      segmentIndex: 1,
      position: mshStart,
    });
  }
  const delimiters = delimitersOfHeaderLine(text, mshStart, mshEnd, 'MSH', 1);
  const context: SegmentContext = { delimiters, charset: span.charset ?? 'UNICODE UTF-8' };
  const message = new Message(context, text.slice(span.sourceStart, span.sourceEnd));
  const msh = message.adopt('MSH', text.slice(mshStart, mshEnd), mshStart);
  validateHeader(msh);
  if (span.charset === undefined) context.charset = charsetForText(msh.get(18));

  const fieldSeparator = delimiters.field;
  for (let line = first + 1; line < last; line++) {
    const start = lines.starts[line]!;
    const end = lines.ends[line]!;
    const segmentIndex = line - first + 1;
    if (!hasValidSegmentName(text, start, end, fieldSeparator)) {
      throw new Hl7ParseError(
        Hl7ErrorCode.SegmentSequenceError,
        'segment name must be three upper-case letters or digits followed by the field separator',
        { segmentIndex, position: start },
      );
    }
    const name = text.slice(start, start + 3);
    if (name === 'MSH' || ENVELOPE_SEGMENTS.has(name)) {
      throw new Hl7ParseError(
        Hl7ErrorCode.SegmentSequenceError,
        name === 'MSH' ? 'a second MSH: several messages in one input need parseBatch' : `${name} belongs to a batch envelope: use parseBatch`,
        { segment: name, segmentIndex, occurrence: occurrenceOf(message, name), position: start },
      );
    }
    message.adopt(name, text.slice(start, end), start);
  }
  return message;
}
