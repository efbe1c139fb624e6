import { readDelimiters, isDelimiterCandidate, type Delimiters } from './delimiters.ts';
import { inputToText } from './input-text.ts';
import { piece } from './pieces.ts';

/**
 * Best-effort reading of a message header from input that may not parse, so that a negative ACK can still
 * mirror the sender, quote MSA-2 and use the sender's delimiters. Never throws.
 *
 * It looks for the first line starting with MSH (after a line break, a BOM, whitespace or an MLLP start byte);
 * failing that, FHS or BHS (whose fields 3–6 are laid out like MSH's and whose field 11 is the control id).
 * Values are raw text of the sender (escape sequences not resolved), ready to be copied into an ACK that uses
 * the same delimiters.
 */
export interface PeekedHeader {
  /** Which header was found; undefined when none. */
  readonly segment: 'MSH' | 'FHS' | 'BHS' | undefined;
  /** The declared delimiters, when MSH-1/MSH-2 are usable. */
  readonly delimiters: Delimiters | undefined;
  /** Raw fields by the standard's numbering (1 = field separator, 2 = encoding characters); [] when none found. */
  readonly fields: readonly string[];
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** MSH-10 (FHS-11/BHS-11 for an envelope), whole field. */
  readonly controlId: string;
  /** MSH-9.1, MSH-9.2 */
  readonly messageCode: string;
  readonly triggerEvent: string;
  /** MSH-11.1, MSH-12.1 */
  readonly processingId: string;
  readonly version: string;
  /** MSH-15, MSH-16, MSH-18 (first repetition) */
  readonly acceptAckType: string;
  readonly applicationAckType: string;
  readonly charset: string;
}

const NOTHING: PeekedHeader = Object.freeze({
  segment: undefined,
  delimiters: undefined,
  fields: [],
  sendingApplication: '',
  sendingFacility: '',
  receivingApplication: '',
  receivingFacility: '',
  controlId: '',
  messageCode: '',
  triggerEvent: '',
  processingId: '',
  version: '',
  acceptAckType: '',
  applicationAckType: '',
  charset: '',
});

function toText(input: Uint8Array | string): string {
  try {
    return inputToText(input).text;
  } catch {
    // Undecodable in the declared charset: Latin-1 maps every byte, enough to read ASCII header values.
    const bytes = input as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

const LINE_START_BEFORE = new Set(['\r', '\n', '\x0b', ' ', '\t', '\ufeff']);

function findHeader(text: string, name: string): number {
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
    if (at === 0 || LINE_START_BEFORE.has(text[at - 1]!)) return at;
  }
  return -1;
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '\r' || char === '\n') return i;
  }
  return text.length;
}

export function peekHeader(input: Uint8Array | string): PeekedHeader {
  const text = toText(input);
  let segment: 'MSH' | 'FHS' | 'BHS' = 'MSH';
  let start = findHeader(text, 'MSH');
  if (start === -1) {
    segment = 'FHS';
    start = findHeader(text, 'FHS');
  }
  if (start === -1) {
    segment = 'BHS';
    start = findHeader(text, 'BHS');
  }
  if (start === -1) return NOTHING;
  const line = text.slice(start, lineEnd(text, start));
  const separator = line.charAt(3);
  if (!isDelimiterCandidate(separator)) return { ...NOTHING, segment };
  const parts = line.split(separator);
  const fields = [parts[0]!, separator, ...parts.slice(1)];
  const reading = readDelimiters(separator, fields[2] ?? '');
  const delimiters = reading.ok ? reading.delimiters : undefined;
  const field = (n: number): string => fields[n] ?? '';
  // First repetition, component c, first subcomponent — what Hl7Segment.get(n, c) reads.
  const component = (n: number, c: number): string => {
    if (!delimiters) return c === 1 ? field(n) : '';
    const repetition = piece(field(n), delimiters.repetition, 0);
    return piece(piece(repetition, delimiters.component, c - 1), delimiters.subcomponent, 0);
  };
  const isMsh = segment === 'MSH';
  return {
    segment,
    delimiters,
    fields,
    sendingApplication: field(3),
    sendingFacility: field(4),
    receivingApplication: field(5),
    receivingFacility: field(6),
    controlId: field(isMsh ? 10 : 11),
    messageCode: isMsh ? component(9, 1) : '',
    triggerEvent: isMsh ? component(9, 2) : '',
    processingId: isMsh ? component(11, 1) : '',
    version: isMsh ? component(12, 1) : '',
    acceptAckType: isMsh ? field(15).trim() : '',
    applicationAckType: isMsh ? field(16).trim() : '',
    charset: isMsh ? component(18, 1) : '',
  };
}
