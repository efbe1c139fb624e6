import type { Delimiters } from './delimiters.ts';
import { Hl7EncodeError, Hl7ErrorCode } from './errors.ts';
import type { TextCharset } from './charset.ts';
import { decodeEscapes, encodeEscapes } from './escape.ts';
import { renderField, type FieldInput } from './field-input.ts';
import type { EditableSegment } from './message.ts';
import { piece, pieceCount, pieceOffset, replacePiece } from './pieces.ts';

/** What every segment of one message shares: how to split and how to decode. */
export interface SegmentContext {
  readonly delimiters: Delimiters;
  /** Charset that `\Xhh\` bytes are read in. */
  charset: TextCharset;
}

export interface SegmentOwner {
  markModified(): void;
}

/** Segments whose field 1 is the field separator itself and field 2 the encoding characters. */
const HEADER_SEGMENTS: ReadonlySet<string> = new Set(['MSH', 'FHS', 'BHS']);

export function isHeaderSegment(name: string): boolean {
  return HEADER_SEGMENTS.has(name);
}

const NULL_VALUE = '""';

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/**
 * One segment. It keeps the raw text it was parsed from and splits it into fields only when first asked;
 * components and subcomponents are never split into arrays, only sliced out on demand. Once edited, the raw
 * text is rebuilt from the fields.
 */
export class Segment implements EditableSegment {
  readonly name: string;
  index: number;
  /** 0-based offset of the segment in the parsed text; -1 for a segment built in code. */
  readonly offset: number;
  private rawText: string | undefined;
  private fields: string[] | undefined;
  private readonly context: SegmentContext;
  /** The message this segment belongs to, told when the segment is edited. */
  private readonly owner: SegmentOwner | undefined;
  /** MSH, FHS, BHS: field 1 is the separator, field 2 the encoding characters. */
  private readonly isHeader: boolean;

  constructor(name: string, index: number, raw: string, offset: number, context: SegmentContext, owner?: SegmentOwner) {
    this.name = name;
    this.index = index;
    this.rawText = raw;
    this.offset = offset;
    this.context = context;
    this.owner = owner;
    this.isHeader = HEADER_SEGMENTS.has(name);
  }

  get raw(): string {
    if (this.rawText === undefined) this.rawText = this.join(this.fields!);
    return this.rawText;
  }

  private splitFields(): string[] {
    if (this.fields !== undefined) return this.fields;
    const separator = this.context.delimiters.field;
    const parts = this.rawText!.split(separator);
    if (this.isHeader) parts.splice(1, 0, separator);
    this.fields = parts;
    return parts;
  }

  private join(fields: readonly string[]): string {
    const separator = this.context.delimiters.field;
    return this.isHeader ? fields[0] + separator + fields.slice(2).join(separator) : fields.join(separator);
  }

  fieldCount(): number {
    return this.splitFields().length - 1;
  }

  rawField(field: number): string {
    if (!isPositiveInteger(field)) return '';
    return this.splitFields()[field] ?? '';
  }

  /** Undecoded text of one leaf; `""` stays `""`. */
  rawValue(field: number, component = 1, subcomponent = 1, repetition = 0): string {
    const text = this.rawField(field);
    if (text === '') return '';
    if (!isPositiveInteger(component) || !isPositiveInteger(subcomponent) || !(Number.isInteger(repetition) && repetition >= 0)) {
      return '';
    }
    if (this.isHeader && field <= 2) return component === 1 && subcomponent === 1 && repetition === 0 ? text : '';
    const { repetition: repetitionSeparator, component: componentSeparator, subcomponent: subcomponentSeparator } =
      this.context.delimiters;
    const inRepetition = repetition === 0 && text.indexOf(repetitionSeparator) === -1 ? text : piece(text, repetitionSeparator, repetition);
    const inComponent =
      component === 1 && inRepetition.indexOf(componentSeparator) === -1 ? inRepetition : piece(inRepetition, componentSeparator, component - 1);
    return subcomponent === 1 && inComponent.indexOf(subcomponentSeparator) === -1
      ? inComponent
      : piece(inComponent, subcomponentSeparator, subcomponent - 1);
  }

  get(field: number, component = 1, subcomponent = 1, repetition = 0): string {
    const raw = this.rawValue(field, component, subcomponent, repetition);
    if (raw === '' || raw === NULL_VALUE) return '';
    if (this.isHeader && field <= 2) return raw;
    return decodeEscapes(raw, this.context.delimiters, this.context.charset);
  }

  isNull(field: number, component?: number, subcomponent?: number, repetition?: number): boolean {
    if (component === undefined && subcomponent === undefined && repetition === undefined) {
      return this.rawField(field) === NULL_VALUE;
    }
    return this.rawValue(field, component, subcomponent, repetition) === NULL_VALUE;
  }

  repetitions(field: number): number {
    const text = this.rawField(field);
    if (text === '') return 0;
    if (this.isHeader && field <= 2) return 1;
    return pieceCount(text, this.context.delimiters.repetition);
  }

  /** 0-based offset of a field inside `raw` (for error positions); -1 when the field is absent. */
  fieldOffset(field: number): number {
    if (field === 0) return 0;
    const separator = this.context.delimiters.field;
    if (this.isHeader) return field === 1 ? 3 : pieceOffset(this.raw, separator, field - 1);
    return pieceOffset(this.raw, separator, field);
  }

  set(field: number, value: string | null, component = 1, subcomponent = 1, repetition = 0): this {
    this.checkWritable(field);
    if (!isPositiveInteger(component) || !isPositiveInteger(subcomponent) || !(Number.isInteger(repetition) && repetition >= 0)) {
      throw new Hl7EncodeError(Hl7ErrorCode.DataTypeError, 'component and subcomponent are 1-based, repetition 0-based', {
        segment: this.name,
        segmentIndex: this.index,
        field,
        position: Math.max(this.offset, 0),
      });
    }
    const delimiters = this.context.delimiters;
    this.requireSeparator(delimiters.repetition, repetition > 0, 'repetition', field);
    this.requireSeparator(delimiters.component, component > 1, 'component', field);
    this.requireSeparator(delimiters.subcomponent, subcomponent > 1, 'subcomponent', field);
    const leaf = value === null ? NULL_VALUE : encodeEscapes(value, delimiters);
    const fields = this.editableFields(field);
    const text = fields[field]!;
    const repetitionText = piece(text, delimiters.repetition, repetition);
    const componentText = piece(repetitionText, delimiters.component, component - 1);
    const newComponent = replacePiece(componentText, delimiters.subcomponent, subcomponent - 1, leaf);
    const newRepetition = replacePiece(repetitionText, delimiters.component, component - 1, newComponent);
    fields[field] = replacePiece(text, delimiters.repetition, repetition, newRepetition);
    this.edited();
    return this;
  }

  setField(field: number, value: FieldInput): this {
    this.checkWritable(field);
    const rendered = renderField(value, this.context.delimiters);
    const fields = this.editableFields(field);
    fields[field] = rendered;
    this.edited();
    return this;
  }

  private checkWritable(field: number): void {
    if (!isPositiveInteger(field) || (this.isHeader && field <= 2)) {
      throw new Hl7EncodeError(
        Hl7ErrorCode.DataTypeError,
        this.isHeader && field <= 2 ? `${this.name}-1 and ${this.name}-2 are fixed by the message delimiters` : 'field numbers start at 1',
        { segment: this.name, segmentIndex: this.index, field, position: Math.max(this.offset, 0) },
      );
    }
  }

  private requireSeparator(separator: string, needed: boolean, role: string, field: number): void {
    if (needed && separator === '') {
      throw new Hl7EncodeError(Hl7ErrorCode.DataTypeError, `the message declares no ${role} separator`, {
        segment: this.name,
        segmentIndex: this.index,
        field,
        position: Math.max(this.offset, 0),
      });
    }
  }

  private editableFields(field: number): string[] {
    const fields = this.splitFields();
    while (fields.length <= field) fields.push('');
    return fields;
  }

  private edited(): void {
    this.rawText = undefined;
    this.owner?.markModified();
  }
}
