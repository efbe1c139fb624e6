import { decodeBytes, isDoubleByte, resolveCharset, type TextCharset } from './charset.ts';
import { isDelimiterCandidate } from './delimiters.ts';

/**
 * Turns parser input into text: removes a leading byte order mark and, for bytes, decodes them in the charset
 * named by MSH-18 — read from the raw bytes first, which works because delimiters are ASCII (see delimiters.ts)
 * and every supported charset is ASCII-compatible (readMsh18 says what that takes for the double-byte ones).
 *
 * For a batch, the first MSH's MSH-18 decodes the whole input (FHS and BHS have no charset field).
 */
export interface InputText {
  readonly text: string;
  /** Charset for `\Xhh\` escapes; for string input, derived from MSH-18 once the header is read. */
  readonly charset: TextCharset | undefined;
}

const BOM = [0xef, 0xbb, 0xbf] as const;

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

function isSegmentStart(bytes: Uint8Array, at: number, name: string): boolean {
  return bytes[at] === name.charCodeAt(0) && bytes[at + 1] === name.charCodeAt(1) && bytes[at + 2] === name.charCodeAt(2);
}

/** Offset of the first line that starts with MSH, or -1. */
function findMsh(bytes: Uint8Array): number {
  let lineStart = 0;
  while (lineStart < bytes.length) {
    if (isSegmentStart(bytes, lineStart, 'MSH')) return lineStart;
    let i = lineStart;
    while (i < bytes.length && bytes[i] !== 0x0d && bytes[i] !== 0x0a) i++;
    while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
    lineStart = i;
  }
  return -1;
}

export interface RawMsh18 {
  /** First repetition, first component of MSH-18, as Latin-1 text ('' when absent). */
  readonly value: string;
  readonly position: number;
}

/**
 * MSH-18 read from bytes, before the text is decoded. Anything unreadable reads as absent.
 *
 * In GB 18030 and BIG-5 the second byte of a character may be `|`, `^`, `~` or `\`, so a header holding such a
 * character (a facility name in MSH-4) miscounts its fields when read byte by byte. When that reading names no
 * charset or one not supported, the header is read again stepping over double bytes (a lead byte ≥ 0x81 takes the
 * next byte with it, which also walks GB 18030's four-byte sequences in pairs), and that reading is taken when it
 * names one of the double-byte charsets.
 */
export function readMsh18(bytes: Uint8Array): RawMsh18 {
  const single = scanMsh18(bytes, false);
  const named = resolveCharset(single.raw.value);
  // Without a byte above 0x80 before MSH-18 the second reading would be the same: the common case reads once.
  if ((named !== undefined && named !== '') || !single.sawHighByte) return single.raw;
  const paired = scanMsh18(bytes, true);
  return isDoubleByte(resolveCharset(paired.raw.value)) ? paired.raw : single.raw;
}

/** One reading of MSH-18; `sawHighByte`: a byte ≥ 0x81 came before its end (only then can a paired reading differ). */
function scanMsh18(bytes: Uint8Array, doubleBytes: boolean): { raw: RawMsh18; sawHighByte: boolean } {
  const msh = findMsh(bytes);
  if (msh === -1) return { raw: { value: '', position: 0 }, sawHighByte: false };
  const separator = bytes[msh + 3];
  if (separator === undefined || !isDelimiterCandidate(String.fromCharCode(separator))) return { raw: { value: '', position: msh }, sawHighByte: false };
  let field = 1;
  let i = msh + 3;
  let encoding = '';
  let start = -1;
  let sawHighByte = false;
  for (; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0d || byte === 0x0a) break;
    if (byte >= 0x81) {
      sawHighByte = true;
      if (doubleBytes) {
        i++;
        continue;
      }
    }
    if (byte === separator) {
      field++;
      if (field === 18) start = i + 1;
      if (field === 19) break;
      continue;
    }
    if (field === 2) encoding += String.fromCharCode(byte);
  }
  if (start === -1) return { raw: { value: '', position: msh }, sawHighByte };
  let value = '';
  for (let j = start; j < i; j++) {
    const char = String.fromCharCode(bytes[j]!);
    if (encoding.includes(char)) break;
    value += char;
  }
  return { raw: { value, position: start }, sawHighByte };
}

/** Charset for `\Xhh\` escapes of a message given as text (already decoded). */
export function charsetForText(msh18: string): TextCharset {
  const charset = resolveCharset(msh18);
  return charset === undefined || charset === '' || charset === 'ASCII' ? 'UNICODE UTF-8' : charset;
}

export function inputToText(input: Uint8Array | string): InputText {
  if (typeof input === 'string') {
    return { text: input.charCodeAt(0) === 0xfeff ? input.slice(1) : input, charset: undefined };
  }
  const bytes = startsWithBom(input) ? input.subarray(3) : input;
  const msh18 = readMsh18(bytes);
  const decoded = decodeBytes(bytes, msh18.value, msh18.position);
  return { text: decoded.text, charset: decoded.decodedAs };
}
