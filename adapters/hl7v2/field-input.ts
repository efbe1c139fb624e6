import type { Delimiters } from './delimiters.ts';
import { Hl7EncodeError, Hl7ErrorCode } from './errors.ts';
import { encodeEscapes } from './escape.ts';

/**
 * Values to write, as structured data: the builder escapes every leaf, so a caller never assembles delimiters
 * by hand (which is how `^` in a drug name ends up splitting a component).
 *
 * - a string: one leaf, escaped; `null`: the explicit HL7 null `""`; `undefined`: empty
 * - an array at the repetition level: its components; an array at the component level: its subcomponents
 * - `{ repetitions: [...] }`: several repetitions
 * - `{ raw: '...' }`: text already in HL7 form for these delimiters, copied as-is (for mirroring a sender's field)
 */
export type LeafInput = string | null | undefined;
export type ComponentInput = LeafInput | readonly LeafInput[];
export type RepetitionInput = LeafInput | readonly ComponentInput[];
export type FieldInput = RepetitionInput | { readonly repetitions: readonly RepetitionInput[] } | { readonly raw: string };

/** Fields of a segment: an array (element 0 is field 1) or an object keyed by field number. */
export type FieldsInput = readonly FieldInput[] | Readonly<Record<number, FieldInput>>;

export function renderLeaf(value: LeafInput, delimiters: Delimiters): string {
  if (value === undefined) return '';
  if (value === null) return '""';
  return encodeEscapes(value, delimiters);
}

function joinWith(separator: string, parts: string[], role: string): string {
  let last = parts.length - 1;
  while (last > 0 && parts[last] === '') last--;
  if (last > 0 && separator === '') {
    throw new Hl7EncodeError(Hl7ErrorCode.DataTypeError, `the message declares no ${role} separator`, { position: 0 });
  }
  return parts.slice(0, last + 1).join(separator);
}

function renderComponent(value: ComponentInput, delimiters: Delimiters): string {
  if (!Array.isArray(value)) return renderLeaf(value as LeafInput, delimiters);
  return joinWith(
    delimiters.subcomponent,
    (value as readonly LeafInput[]).map((leaf) => renderLeaf(leaf, delimiters)),
    'subcomponent',
  );
}

function renderRepetition(value: RepetitionInput, delimiters: Delimiters): string {
  if (!Array.isArray(value)) return renderLeaf(value as LeafInput, delimiters);
  return joinWith(
    delimiters.component,
    (value as readonly ComponentInput[]).map((component) => renderComponent(component, delimiters)),
    'component',
  );
}

export function renderField(value: FieldInput, delimiters: Delimiters): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if ('raw' in value) return value.raw;
    const repetitions = (value as { readonly repetitions: readonly RepetitionInput[] }).repetitions;
    return joinWith(
      delimiters.repetition,
      repetitions.map((repetition) => renderRepetition(repetition, delimiters)),
      'repetition',
    );
  }
  return renderRepetition(value as RepetitionInput, delimiters);
}

/**
 * The text of a segment's fields after its name: `name|f1|f2…` without the name, joined with the field
 * separator; fields not given are empty. `firstField` is where numbering starts in the output (3 for MSH, whose
 * fields 1 and 2 are the delimiters themselves); fields below it are refused.
 */
export function renderFieldList(fields: FieldsInput, delimiters: Delimiters, firstField = 1): string[] {
  const rendered: string[] = [];
  if (Array.isArray(fields)) {
    const list = fields as readonly FieldInput[];
    for (let index = 0; index < list.length; index++) rendered[index + 1] = renderField(list[index], delimiters);
  } else {
    const record = fields as Readonly<Record<number, FieldInput>>;
    for (const key in record) {
      const field = Number(key);
      if (!Number.isInteger(field) || field < firstField) {
        throw new Hl7EncodeError(
          Hl7ErrorCode.DataTypeError,
          firstField === 1 ? 'field numbers start at 1' : 'MSH-1 and MSH-2 are fixed by the message delimiters',
          { field, position: 0 },
        );
      }
      rendered[field] = renderField(record[field], delimiters);
    }
  }
  const out: string[] = [];
  for (let field = firstField; field < rendered.length; field++) out.push(rendered[field] ?? '');
  return out;
}
