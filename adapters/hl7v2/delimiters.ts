import { Hl7ErrorCode } from './errors.ts';

/**
 * The message delimiters declared by MSH-1 (field) and MSH-2 (component, repetition, escape, subcomponent and,
 * from v2.7, truncation). A role the sender did not declare is the empty string: it then never matches, so for
 * example a message without an escape character has no escape sequences.
 */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  truncation?: string;
}

/** The recommended `|^~\&`, used for messages we create and when a sender's own cannot be read. */
export const DEFAULT_DELIMITERS: Readonly<Delimiters> = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** MSH-2 as it must be written for these delimiters. */
export function encodingCharacters(delimiters: Delimiters): string {
  return (
    delimiters.component +
    delimiters.repetition +
    delimiters.escape +
    delimiters.subcomponent +
    (delimiters.truncation ?? '')
  );
}

/**
 * Delimiters are restricted to printable ASCII that is neither a letter, a digit nor a space. The standard only
 * recommends this, but it keeps segment names and values unambiguous and lets MSH-18 be read from the raw bytes
 * before the character set is known (an ASCII delimiter is the same byte in UTF-8 and ISO-8859-1).
 */
export function isDelimiterCandidate(char: string): boolean {
  if (char.length !== 1) return false;
  const code = char.charCodeAt(0);
  if (code <= 0x20 || code >= 0x7f) return false;
  const isDigit = code >= 0x30 && code <= 0x39;
  const isLetter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  return !isDigit && !isLetter;
}

export type DelimiterReading =
  | { readonly ok: true; readonly delimiters: Delimiters }
  | { readonly ok: false; readonly code: Hl7ErrorCode; readonly reason: string; readonly field: 1 | 2 };

const RECOMMENDED_ROLES: Readonly<Record<string, 'component' | 'repetition' | 'escape' | 'subcomponent'>> = {
  '^': 'component',
  '~': 'repetition',
  '\\': 'escape',
  '&': 'subcomponent',
};

/**
 * Reads MSH-1 and MSH-2 (or FHS-1/FHS-2, BHS-1/BHS-2).
 *
 * MSH-2 normally holds four characters (five from v2.7, the fifth being truncation). Some senders leave out a
 * character they do not use — the public ELR sample `realm-batch.hl7` has `^~&`, no escape character. Read
 * positionally, `&` would become the escape character and every subcomponent would be misread, so: when MSH-2 is
 * shorter than four characters and consists only of recommended characters, each keeps its recommended role and
 * the missing roles are unused; otherwise the characters are taken in order and the missing roles are unused.
 */
export function readDelimiters(field: string, encoding: string): DelimiterReading {
  if (!isDelimiterCandidate(field)) {
    return { ok: false, code: Hl7ErrorCode.DataTypeError, field: 1, reason: 'MSH-1 field separator must be printable ASCII punctuation' };
  }
  if (encoding.length === 0) {
    return { ok: false, code: Hl7ErrorCode.RequiredFieldMissing, field: 2, reason: 'MSH-2 encoding characters are missing' };
  }
  if (encoding.length > 5) {
    return { ok: false, code: Hl7ErrorCode.DataTypeError, field: 2, reason: 'MSH-2 holds more than five encoding characters' };
  }
  const seen = new Set<string>([field]);
  for (const char of encoding) {
    if (!isDelimiterCandidate(char)) {
      return { ok: false, code: Hl7ErrorCode.DataTypeError, field: 2, reason: 'MSH-2 encoding characters must be printable ASCII punctuation' };
    }
    if (seen.has(char)) {
      return { ok: false, code: Hl7ErrorCode.DataTypeError, field: 2, reason: 'MSH-1/MSH-2 delimiters must all be different' };
    }
    seen.add(char);
  }
  const chars = [...encoding];
  if (chars.length < 4 && chars.every((char) => RECOMMENDED_ROLES[char] !== undefined)) {
    const delimiters: Delimiters = { field, component: '', repetition: '', escape: '', subcomponent: '' };
    for (const char of chars) delimiters[RECOMMENDED_ROLES[char]!] = char;
    return { ok: true, delimiters };
  }
  const delimiters: Delimiters = {
    field,
    component: chars[0] ?? '',
    repetition: chars[1] ?? '',
    escape: chars[2] ?? '',
    subcomponent: chars[3] ?? '',
  };
  if (chars[4] !== undefined) delimiters.truncation = chars[4];
  return { ok: true, delimiters };
}
