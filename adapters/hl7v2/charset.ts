import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { Hl7EncodeError, Hl7ErrorCode, Hl7ParseError } from './errors.ts';

/**
 * Character sets (MSH-18, HL7 table 0211).
 *
 * ASCII, UNICODE UTF-8 and 8859/1 need no library: UTF-8 through Node's native check and decoder, ISO-8859-1
 * through Buffer's `latin1`, which is the real ISO-8859-1 (WHATWG TextDecoder maps the label 'latin1' to
 * windows-1252, which differs in 0x80–0x9F). The other ISO 8859 parts of the table (2–9, 15) and the East Asian
 * double-byte sets (GB 18030-2000, KS X 1001 as EUC-KR, BIG-5) go through iconv-lite, both ways.
 *
 * Not supported, refused with code 103: the ISO 2022 sets (ISO IR14, ISO IR87, ISO IR159), switched by escape
 * sequences under MSH-20; CNS 11643-1992, which iconv-lite does not carry; and UNICODE / UTF-16 / UTF-32, which are
 * not ASCII-compatible: their bytes hold 0x0B, 0x1C and 0x0D anywhere, so MLLP cannot frame them.
 *
 * MSH-18 absent: the standard's default is ASCII, but senders routinely put UTF-8 (and some Latin-1) in
 * messages without saying so. Absent MSH-18 therefore reads as UTF-8 when the bytes are valid UTF-8 and as
 * ISO-8859-1 otherwise (each byte one character, nothing lost). Declared ASCII reads the same way: bytes above
 * 0x7F are a sender error that should not cost the message. Any other declared charset is strict: bytes that are
 * not valid in it are a data type error, never silently replaced.
 */
interface CharsetSpec {
  /** other names senders write in MSH-18 */
  readonly aliases: readonly string[];
  /** iconv-lite's name, for the charsets not read natively */
  readonly iconv?: string;
  readonly doubleByte?: true;
}

const CHARSETS = {
  'ASCII': { aliases: ['US-ASCII'] },
  'UNICODE UTF-8': { aliases: ['UTF-8', 'UTF8'] },
  '8859/1': { aliases: isoAliases(1) },
  '8859/2': { aliases: isoAliases(2), iconv: 'iso-8859-2' },
  '8859/3': { aliases: isoAliases(3), iconv: 'iso-8859-3' },
  '8859/4': { aliases: isoAliases(4), iconv: 'iso-8859-4' },
  '8859/5': { aliases: isoAliases(5), iconv: 'iso-8859-5' },
  '8859/6': { aliases: isoAliases(6), iconv: 'iso-8859-6' },
  '8859/7': { aliases: isoAliases(7), iconv: 'iso-8859-7' },
  '8859/8': { aliases: isoAliases(8), iconv: 'iso-8859-8' },
  '8859/9': { aliases: isoAliases(9), iconv: 'iso-8859-9' },
  '8859/15': { aliases: isoAliases(15), iconv: 'iso-8859-15' },
  'GB 18030-2000': { aliases: ['GB18030', 'GB 18030'], iconv: 'gb18030', doubleByte: true },
  'KS X 1001': { aliases: ['EUC-KR', 'KSX1001'], iconv: 'euc-kr', doubleByte: true },
  'BIG-5': { aliases: ['BIG5'], iconv: 'big5', doubleByte: true },
} satisfies Record<string, CharsetSpec>;

function isoAliases(part: number): string[] {
  return [`ISO-8859-${part}`, `ISO8859-${part}`, `ISO_8859-${part}`];
}

export type Hl7Charset = keyof typeof CHARSETS;

/** A charset text was decoded with (declared ASCII and an absent MSH-18 decode as UTF-8 or ISO-8859-1). */
export type TextCharset = Exclude<Hl7Charset, 'ASCII'>;

export const SUPPORTED_CHARSETS = Object.keys(CHARSETS) as readonly Hl7Charset[];

/** Values of MSH-18 accepted for each charset; compared after trimming and upper-casing. */
const CHARSET_ALIASES: ReadonlyMap<string, Hl7Charset> = new Map(
  SUPPORTED_CHARSETS.flatMap((value) => [[value, value] as const, ...CHARSETS[value].aliases.map((alias) => [alias, value] as const)]),
);

/** The supported charset an MSH-18 value names; '' for an absent MSH-18; undefined when not supported. */
export function resolveCharset(msh18: string): Hl7Charset | '' | undefined {
  const name = msh18.trim().toUpperCase();
  if (name === '') return '';
  return CHARSET_ALIASES.get(name);
}

/** The spec of a charset iconv-lite handles; undefined for the three read natively. */
function iconvSpec(charset: Hl7Charset): (CharsetSpec & { iconv: string }) | undefined {
  const spec: CharsetSpec = CHARSETS[charset];
  return spec.iconv === undefined ? undefined : { ...spec, iconv: spec.iconv };
}

/**
 * Whether the charset is one of the double-byte sets (GB 18030, KS X 1001, BIG-5): a character is not a byte there,
 * and in GB 18030 and BIG-5 a second byte may be ASCII (0x40–0x7E, which holds `|`, `^`, `~` and `\`), so their
 * MSH-18 can only be found by stepping over each double byte.
 */
export function isDoubleByte(charset: Hl7Charset | '' | undefined): boolean {
  if (charset === undefined || charset === '') return false;
  const spec: CharsetSpec = CHARSETS[charset];
  return spec.doubleByte === true;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface DecodedText {
  readonly text: string;
  /** The charset the bytes were decoded with: the declared one, or the guess for an absent MSH-18. */
  readonly decodedAs: TextCharset;
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
 * Text of bytes in an iconv-lite charset, or the offset of the first byte that is not valid in it. iconv-lite
 * puts U+FFFD where bytes do not decode. No ISO 8859 part has that character, so there it marks the byte (one
 * character per byte); GB 18030 does have it, so in the double-byte sets the text is refused only when it does not
 * encode back to the bytes it came from, and the first byte that differs is the one named.
 */
function iconvDecode(bytes: Uint8Array, spec: CharsetSpec & { iconv: string }): { text: string } | { invalidAt: number } {
  const text = iconv.decode(asBuffer(bytes), spec.iconv, { stripBOM: false });
  const replaced = text.indexOf('\ufffd');
  if (replaced === -1) return { text };
  if (!spec.doubleByte) return { invalidAt: replaced };
  const invalidAt = firstDifference(iconv.encode(text, spec.iconv, { addBOM: false }), bytes);
  return invalidAt === undefined ? { text } : { invalidAt };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : length;
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
  const declared: TextCharset = charset === '' || charset === 'ASCII' ? 'UNICODE UTF-8' : charset;
  // ASCII is the common case and the same text in every supported charset: latin1 is the cheapest way to read it.
  if (isAscii(bytes)) return { text: latin1(bytes), decodedAs: declared };
  const spec = iconvSpec(declared);
  if (spec !== undefined) {
    const decoded = iconvDecode(bytes, spec);
    if ('text' in decoded) return { text: decoded.text, decodedAs: declared };
    throw new Hl7ParseError(Hl7ErrorCode.DataTypeError, `bytes are not valid ${declared} although MSH-18 declares it`, { position: decoded.invalidAt });
  }
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
 * Text for the bytes of a `\Xhh…\` escape, read in the message's charset. Bytes that are not valid in it read as
 * ISO-8859-1, the same fallback as for a message without MSH-18: an escape is data, not a reason to refuse.
 */
export function decodeHexBytes(bytes: Uint8Array, charset: TextCharset): string {
  if (charset === '8859/1' || isAscii(bytes)) return latin1(bytes);
  const spec = iconvSpec(charset);
  if (spec === undefined) return utf8OrUndefined(bytes) ?? latin1(bytes);
  const decoded = iconvDecode(bytes, spec);
  return 'text' in decoded ? decoded.text : latin1(bytes);
}

/** Whether every character of the text is ASCII (then every supported charset writes it byte for byte). */
export function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Offset of the first character of `text` that a supported charset cannot carry, or undefined when all fit.
 * iconv-lite writes such characters as `?`; a character fits when it reads back as itself.
 */
export function unwritableAt(text: string, charset: Hl7Charset): number | undefined {
  if (charset === 'UNICODE UTF-8' || isAsciiText(text)) return undefined;
  const name = iconvSpec(charset)?.iconv;
  const limit = charset === 'ASCII' ? 0x7f : 0xff;
  let i = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const fits = name === undefined ? code <= limit : code <= 0x7f || iconv.decode(iconv.encode(char, name), name) === char;
    if (!fits) return i;
    i += char.length;
  }
  return undefined;
}

/** Whether every character of the text can be written in the charset an MSH-18 value names. */
export function fitsCharset(text: string, msh18: string): boolean {
  const charset = resolveCharset(msh18);
  if (charset === undefined) return false;
  return charset === '' || unwritableAt(text, charset) === undefined;
}


/**
 * Bytes for an outbound message in the charset its MSH-18 names (absent → UTF-8, see above).
 * A character the charset cannot carry is an Hl7EncodeError at its offset, never a silent '?'.
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
  if (charset === '' || charset === 'UNICODE UTF-8') return Buffer.from(text, 'utf8');
  const unwritable = unwritableAt(text, charset);
  if (unwritable !== undefined) {
    throw new Hl7EncodeError(Hl7ErrorCode.DataTypeError, `character cannot be written in ${charset}`, { position: unwritable });
  }
  const name = iconvSpec(charset)?.iconv;
  if (name === undefined || isAsciiText(text)) return Buffer.from(text, 'latin1');
  return iconv.encode(text, name, { addBOM: false });
}
