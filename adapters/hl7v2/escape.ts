import { decodeHexBytes, type TextCharset } from './charset.ts';
import type { Delimiters } from './delimiters.ts';
import { Hl7EncodeError, Hl7ErrorCode } from './errors.ts';

/**
 * HL7 v2 escape sequences (v2.5 §2.7, v2.7 adds `\P\`).
 *
 * Decoding (on read), applied to one leaf value after it has been split out, so a sequence never spans a delimiter:
 * - `\F\ \S\ \T\ \R\ \E\` → field, component, subcomponent, repetition separator and escape character;
 *   `\P\` → the truncation character when MSH-2 declares one.
 * - `\Xhh…\` → the bytes, read in the message's charset; adjacent hex sequences are joined first so a UTF-8
 *   character split over two of them (`\XC3\\XA9\`) still reads as one character. Odd-length or non-hex → kept.
 * - `\.br\` → '\n'; `\.sp\` / `\.spN\` → N line breaks (N capped at 99 so a hostile value cannot blow up memory).
 * - Display hints without text are dropped: `\H\ \N\` (highlighting) and `\.fi\ \.nf\ \.in…\ \.ti…\ \.sk…\ \.ce\`.
 * - Anything else (`\Cxxyy\`, `\Mxxyyzz\` charset switches, `\Z…\` local escapes, unknown letters) is kept
 *   as-is, escape characters included: the text is not ours to discard, and a reader can still see it.
 * - An escape character without a closing one is kept literally.
 *
 * Encoding (on write): the five delimiters (and truncation) become their sequences; control characters
 * (C0 except TAB) become `\Xhh\`, so a value can never break a segment (CR, LF) or an MLLP frame (0x0B, 0x1C).
 */

const MAX_SP_LINES = 99;
const HEX_SEQUENCE = /^X(?:[0-9A-Fa-f]{2})+$/;

function simpleEscape(letter: string, delimiters: Delimiters): string | undefined {
  switch (letter) {
    case 'F':
      return delimiters.field;
    case 'S':
      return delimiters.component;
    case 'T':
      return delimiters.subcomponent;
    case 'R':
      return delimiters.repetition;
    case 'E':
      return delimiters.escape;
    case 'P':
      return delimiters.truncation;
    case 'H':
    case 'N':
      return '';
    default:
      return undefined;
  }
}

function formattingEscape(command: string): string | undefined {
  if (command === '.br') return '\n';
  if (command.startsWith('.sp')) {
    const count = command.length === 3 ? 1 : /^\.sp\+?\d+$/.test(command) ? Number(command.slice(command[3] === '+' ? 4 : 3)) : NaN;
    return Number.isNaN(count) ? undefined : '\n'.repeat(Math.min(count, MAX_SP_LINES));
  }
  if (command === '.fi' || command === '.nf' || command === '.ce') return '';
  if (/^\.(?:in|ti)[+-]?\d+$/.test(command) || /^\.sk\+?\d+$/.test(command)) return '';
  return undefined;
}

/** Appends the bytes of `Xhhhh…` (a loop, not a spread: a hostile sequence may be very long). */
function appendHexBytes(sequence: string, bytes: number[]): void {
  for (let i = 1; i < sequence.length; i += 2) bytes.push(parseInt(sequence.slice(i, i + 2), 16));
}

/** Resolves the escape sequences of one leaf value. */
export function decodeEscapes(text: string, delimiters: Delimiters, charset: TextCharset = 'UNICODE UTF-8'): string {
  const escape = delimiters.escape;
  if (escape === '' || text.indexOf(escape) === -1) return text;
  return decodeSequences(text, escape, delimiters, charset);
}

/**
 * The slow path of decodeEscapes, apart so that reading a value without escapes (nearly every value) allocates
 * nothing: V8 creates the context of flushHex's closure on entry to the function that declares it.
 */
function decodeSequences(text: string, escape: string, delimiters: Delimiters, charset: TextCharset): string {
  let out = '';
  let pendingHex: number[] = [];
  const flushHex = (): void => {
    if (pendingHex.length > 0) out += decodeHexBytes(Uint8Array.from(pendingHex), charset);
    pendingHex = [];
  };
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(escape, i);
    if (open === -1) break;
    const close = text.indexOf(escape, open + 1);
    if (close === -1) break;
    const literal = text.slice(i, open);
    if (literal !== '') flushHex();
    out += literal;
    const sequence = text.slice(open + 1, close);
    if (sequence === '') {
      // Two escape characters in a row: the first cannot open a sequence; the second might.
      flushHex();
      out += escape;
      i = close;
      continue;
    }
    if (HEX_SEQUENCE.test(sequence)) {
      appendHexBytes(sequence, pendingHex);
      i = close + 1;
      continue;
    }
    flushHex();
    const replacement =
      sequence.length === 1 ? simpleEscape(sequence, delimiters) : sequence.startsWith('.') ? formattingEscape(sequence) : undefined;
    out += replacement ?? escape + sequence + escape;
    i = close + 1;
  }
  flushHex();
  return out + text.slice(i);
}

function needsEscaping(code: number, value: string, index: number, delimiters: Delimiters): boolean {
  if (code < 0x20 && code !== 0x09) return true;
  const char = value[index]!;
  return (
    char === delimiters.field ||
    char === delimiters.component ||
    char === delimiters.repetition ||
    char === delimiters.escape ||
    char === delimiters.subcomponent ||
    char === delimiters.truncation
  );
}

function sequenceFor(char: string, delimiters: Delimiters): string {
  if (char === delimiters.field) return 'F';
  if (char === delimiters.component) return 'S';
  if (char === delimiters.subcomponent) return 'T';
  if (char === delimiters.repetition) return 'R';
  if (char === delimiters.escape) return 'E';
  if (char === delimiters.truncation) return 'P';
  return `X${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Escapes one leaf value so that it can be placed between delimiters. */
export function encodeEscapes(value: string, delimiters: Delimiters): string {
  let first = -1;
  for (let i = 0; i < value.length; i++) {
    if (needsEscaping(value.charCodeAt(i), value, i, delimiters)) {
      first = i;
      break;
    }
  }
  if (first === -1) return value;
  const escape = delimiters.escape;
  if (escape === '') {
    throw new Hl7EncodeError(
      Hl7ErrorCode.DataTypeError,
      'value holds a delimiter or control character but the message declares no escape character',
      { position: first },
    );
  }
  let out = value.slice(0, first);
  for (let i = first; i < value.length; i++) {
    out += needsEscaping(value.charCodeAt(i), value, i, delimiters) ? escape + sequenceFor(value[i]!, delimiters) + escape : value[i];
  }
  return out;
}
