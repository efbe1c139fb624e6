import { Hl7ErrorCode, Hl7ValidationError } from './errors.ts';
import type { Delimiters } from './delimiters.ts';
import type { Hl7Message, Hl7Segment } from './message.ts';
import { piece } from './pieces.ts';
import { isHeaderSegment, Segment } from './segment.ts';

/**
 * Content checks beyond the parser's structural ones, for values the standard marks required and without which
 * a message cannot be interpreted. The parser does not run them: a parse error is an AR (the message is
 * unreadable), a missing value an AE (readable, but not acceptable), and the caller decides.
 *
 * The default list is deliberately short. OBX-3 (observation identifier) is required in every v2 version; an
 * OBX whose OBX-3.1 is empty carries a value nobody can attribute. This is what is wrong with the public
 * `realm-bad-batch.hl7` (both OBX-3.1 blanked; its envelope is sound) and also with one OBX of
 * `msfhirconv__ORU-R01-01.hl7` (OBX-3 entirely empty).
 */
export interface RequiredValue {
  readonly segment: string;
  readonly field: number;
  /** When given, this component must be non-empty (its subcomponents may be partly empty). */
  readonly component?: number;
  readonly what: string;
}

export const REQUIRED_VALUES: readonly RequiredValue[] = [
  { segment: 'OBX', field: 3, component: 1, what: 'OBX-3.1 observation identifier' },
];

/**
 * Raw text of one field. Found in the segment's text rather than through rawField, which splits the whole segment
 * into fields: a message with many OBX segments would have each of them split only to check OBX-3.
 */
function fieldText(segment: Hl7Segment, delimiters: Delimiters, field: number): string {
  return isHeaderSegment(segment.name) ? segment.rawField(field) : piece(segment.raw, delimiters.field, field);
}

/** Raw text of one component of the first repetition (subcomponents included: "&GDT" counts as present). */
function componentText(segment: Hl7Segment, delimiters: Delimiters, field: number, component: number): string {
  return piece(piece(fieldText(segment, delimiters, field), delimiters.repetition, 0), delimiters.component, component - 1);
}

/** Offset of a field in the parsed text; 0 for segments built in code, which have no text position. */
function positionOf(segment: Hl7Segment, field: number): number {
  if (!(segment instanceof Segment) || segment.offset < 0) return 0;
  const offset = segment.fieldOffset(field);
  return segment.offset + (offset === -1 ? segment.raw.length : offset);
}

/** Every missing required value, in document order (empty when the message is acceptable). */
export function findMissingValues(message: Hl7Message, rules: readonly RequiredValue[] = REQUIRED_VALUES): Hl7ValidationError[] {
  const problems: Hl7ValidationError[] = [];
  const occurrences = new Map<string, number>();
  for (const segment of message.segments) {
    const occurrence = (occurrences.get(segment.name) ?? 0) + 1;
    occurrences.set(segment.name, occurrence);
    for (const rule of rules) {
      if (rule.segment !== segment.name) continue;
      const value =
        rule.component === undefined ? fieldText(segment, message.delimiters, rule.field) : componentText(segment, message.delimiters, rule.field, rule.component);
      if (value !== '' && value !== '""') continue;
      problems.push(
        new Hl7ValidationError(Hl7ErrorCode.RequiredFieldMissing, `${rule.what} is missing`, {
          segment: segment.name,
          segmentIndex: segment.index,
          occurrence,
          field: rule.field,
          ...(rule.component === undefined ? {} : { component: rule.component }),
          position: positionOf(segment, rule.field),
        }),
      );
    }
  }
  return problems;
}
