import type { AckSource } from './ack-source.ts';
import type { Delimiters } from './delimiters.ts';
import { HL7_ERROR_TEXT, type Hl7ErrorCode, type Hl7Location } from './errors.ts';
import type { FieldInput } from './field-input.ts';

/**
 * The values an ACK writes: its ERR segments, and the rules for copying a sender's text into it (as received
 * when safe, escaped otherwise, spaces for delimiters when the sender declared no escape character).
 */

/** One problem to report in an ERR segment. */
export interface AckIssue {
  /** HL7 table 0357 code. */
  readonly code: Hl7ErrorCode;
  /** Diagnostic text for ERR-7 (v2.5+); must not contain PHI. */
  readonly diagnostic?: string;
  /** ERR-4; default 'E'. */
  readonly severity?: 'E' | 'W' | 'I';
  readonly location?: Partial<Hl7Location>;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** HL7 DTM in UTC, to the second: YYYYMMDDHHMMSS+0000. */
export function formatHl7Timestamp(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}+0000`
  );
}

/**
 * Whether a version id ('2.3.1') is before a reference ([2, 5]); false when it cannot be read, so an unknown
 * version gets the current forms. A character loop: this runs for every ACK.
 */
export function isBefore(version: string, reference: readonly number[]): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= version.length; i++) {
    const code = i < version.length ? version.charCodeAt(i) : 0x2e;
    if (code >= 0x30 && code <= 0x39) {
      value = value * 10 + (code - 0x30);
      digits++;
      continue;
    }
    if (code !== 0x2e || digits === 0) return false;
    const expected = reference[part] ?? 0;
    if (value !== expected) return value < expected;
    part++;
    value = 0;
    digits = 0;
  }
  return part < reference.length && reference.slice(part).some((rest) => rest > 0);
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * A value from the sender, copied as received when it was written with the ACK's delimiters and holds no
 * control character (an 0x1C copied into an ACK would end its MLLP frame early); otherwise written as text.
 */
export function copyRaw(source: AckSource, field: number): FieldInput {
  const raw = source.header.rawField(field);
  if (source.rawFits && !CONTROL.test(raw)) return { raw };
  return safeText(raw, source.delimiters);
}

/**
 * Text for a field of the ACK. With an escape character the builder escapes it; without one (a sender may
 * declare none) a delimiter or control character cannot be written, so it becomes a space.
 */
export function safeText(text: string, delimiters: Delimiters): string {
  if (delimiters.escape !== '') return text;
  const special = [delimiters.field, delimiters.component, delimiters.repetition, delimiters.subcomponent, delimiters.truncation ?? ''].filter(
    (char) => char !== '',
  );
  let out = '';
  for (const char of text) out += special.includes(char) || CONTROL.test(char) || char === '\t' ? ' ' : char;
  return out;
}

/** Components joined when the message has a component separator; only the first otherwise. */
export function components(values: readonly string[], delimiters: Delimiters): FieldInput {
  return delimiters.component === '' ? values[0] ?? '' : values;
}

function subcomponents(values: readonly string[], delimiters: Delimiters): readonly string[] | string {
  return delimiters.subcomponent === '' ? values[0] ?? '' : values;
}

export function errSegmentFields(issue: AckIssue, source: AckSource): Record<number, FieldInput> {
  const d = source.delimiters;
  const code = String(issue.code);
  const text = HL7_ERROR_TEXT[issue.code] ?? '';
  const where = issue.location ?? {};
  const number = (value: number | undefined): string => (value === undefined ? '' : String(value));
  const sequence = number(where.occurrence ?? (where.segment !== undefined ? where.segmentIndex : undefined));
  if (isBefore(source.version, [2, 5])) {
    if (d.component === '') return { 1: code };
    return { 1: [where.segment ?? '', sequence, number(where.field), subcomponents([code, text, 'HL70357'], d)] };
  }
  const fields: Record<number, FieldInput> = {
    3: components([code, text, 'HL70357'], d),
    4: issue.severity ?? 'E',
  };
  if (where.segment !== undefined) {
    fields[2] = components(
      [where.segment, sequence, number(where.field), number(where.repetition), number(where.component), number(where.subcomponent)],
      d,
    );
  }
  if (issue.diagnostic !== undefined) fields[7] = safeText(issue.diagnostic, d);
  return fields;
}

