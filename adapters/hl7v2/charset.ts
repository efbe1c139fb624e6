import { isAscii, isUtf8 } from 'node:buffer';
import { Hl7EncodeError, Hl7ErrorCode, Hl7ParseError } from './errors.ts';

/**
 * Character sets (MSH-18, HL7 table 0211). Supported: ASCII, UNICODE UTF-8 and 8859/1 (ISO-8859-1). These three
 * need no library: UTF-8 through TextDecoder/Buffer and ISO-8859-1 through Buffer's `latin1`, which is the real
 * ISO-8859-1 (WHATWG TextDecoder maps the label 'latin1' to windows-1252, which differs in 0x80–0x9F).
 *
 * MSH-18 absent: the standard's default is ASCII, but senders routinely put UTF-8 (and some Latin-1) in
 * messages without saying so. Absent MSH-18 therefore reads as UTF-8 when the bytes are valid UTF-8 and as
 * ISO-8859-1 otherwise (each byte one character, nothing lost). Declared ASCII reads the same way: bytes above
 * 0x7F are a sender error that should not cost the message. Declared UTF-8 is strict: invalid bytes are a
 * data type error, never silently replaced.
 */
export type Hl7Charset = 'ASCII' | 'UNICODE UTF-8' | '8859/1';

export const SUPPORTED_CHARSETS: readonly Hl7Charset[] = ['ASCII', 'UNICODE UTF-8', '8859/1'];

/** Values of MSH-18 accepted for each charset; compared after trimming and upper-casing. */
const CHARSET_ALIASES: Readonly<Record<string, Hl7Charset>> = {
  'ASCII': 'ASCII',
  'US-ASCII': 'ASCII',
  'UNICODE UTF-8': 'UNICODE UTF-8',
  'UTF-8': 'UNICODE UTF-8',
  'UTF8': 'UNICODE UTF-8',
  '8859/1': '8859/1',
  'ISO-8859-1': '8859/1',
  'ISO8859-1': '8859/1',
  'ISO_8859-1': '8859/1',
};

/** The supported charset an MSH-18 value names; '' for an absent MSH-18; undefined when not supported. */
export function resolveCharset(msh18: string): Hl7Charset | '' | undefined {
  const name = msh18.trim().toUpperCase();
  if (name === '') return '';
  return CHARSET_ALIASES[name];
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface DecodedText {
  readonly text: string;
  /** The charset the bytes were decoded with: the declared one, or the guess for an absent MSH-18. */
  readonly decodedAs: 'UNICODE UTF-8' | '8859/1';
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function latin1(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('latin1');
}

/** UTF-8 text, or undefined when the bytes are not valid UTF-8 (Node's native check, then its native decoder). */
function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  return isUtf8(bytes) ? asBuffer(bytes).toString('utf8') : undefined;
}

/** Offset of the first byte that is not valid UTF-8 (used only to place the error). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    try {
      fatalUtf8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * Decodes message bytes (BOM already removed) according to the charset read from MSH-18.
 * `msh18Position` is the byte offset of MSH-18, for the error location.
 */
export function decodeBytes(bytes: Uint8Array, msh18: string, msh18Position: number): DecodedText {
  const charset = resolveCharset(msh18);
  if (charset === undefined) {
    throw new Hl7ParseError(
      Hl7ErrorCode.TableValueNotFound,
      `MSH-18 character set is not supported (supported: ${SUPPORTED_CHARSETS.join(', ')})`,
      { segment: 'MSH', segmentIndex: 1, occurrence: 1, field: 18, repetition: 1, position: msh18Position },
    );
  }
  if (charset === '8859/1') return { text: latin1(bytes), decodedAs: '8859/1' };
  // ASCII is the common case and the same text in every supported charset: latin1 is the cheapest way to read it.
  if (isAscii(bytes)) return { text: latin1(bytes), decodedAs: 'UNICODE UTF-8' };
  const utf8 = utf8OrUndefined(bytes);
  if (utf8 !== undefined) return { text: utf8, decodedAs: 'UNICODE UTF-8' };
  if (charset === 'UNICODE UTF-8') {
    throw new Hl7ParseError(Hl7ErrorCode.DataTypeError, 'bytes are not valid UTF-8 although MSH-18 declares UNICODE UTF-8', {
      position: firstInvalidUtf8(bytes),
    });
  }
  return { text: latin1(bytes), decodedAs: '8859/1' };
}

/**
 * Text for the bytes of a `\Xhh…\` escape, read in the message's charset. Bytes that are not valid UTF-8 in a
 * UTF-8 message read as ISO-8859-1, the same fallback as for a message without MSH-18.
 */
export function decodeHexBytes(bytes: Uint8Array, charset: 'UNICODE UTF-8' | '8859/1'): string {
  if (charset === '8859/1' || isAscii(bytes)) return latin1(bytes);
  return utf8OrUndefined(bytes) ?? latin1(bytes);
}

/** Whether every character of the text can be written in the charset an MSH-18 value names. */
export function fitsCharset(text: string, msh18: string): boolean {
  const charset = resolveCharset(msh18);
  if (charset === undefined) return false;
  const limit = charset === 'ASCII' ? 0x7f : charset === '8859/1' ? 0xff : Infinity;
  if (limit === Infinity) return true;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > limit) return false;
  return true;
}

/**
 * Bytes for an outbound message in the charset its MSH-18 names (absent → UTF-8, see above).
 * A character the charset cannot carry is an Hl7EncodeError, never a silent '?'.
 */
export function encodeText(text: string, msh18: string): Uint8Array {
  const charset = resolveCharset(msh18);
  if (charset === undefined) {
    throw new Hl7EncodeError(
      Hl7ErrorCode.TableValueNotFound,
      `MSH-18 character set is not supported for output (supported: ${SUPPORTED_CHARSETS.join(', ')})`,
      { segment: 'MSH', field: 18, position: 0 },
    );
  }
  const limit = charset === 'ASCII' ? 0x7f : charset === '8859/1' ? 0xff : Infinity;
  if (limit !== Infinity) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > limit) {
        throw new Hl7EncodeError(Hl7ErrorCode.DataTypeError, `character cannot be written in ${charset}`, { position: i });
      }
    }
    return Buffer.from(text, 'latin1');
  }
  return Buffer.from(text, 'utf8');
}
