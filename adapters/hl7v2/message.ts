import { DEFAULT_DELIMITERS, encodingCharacters, type Delimiters } from './delimiters.ts';
import { Hl7EncodeError, Hl7ErrorCode } from './errors.ts';
import { charsetForText } from './input-text.ts';
import { renderFieldList, type FieldInput, type FieldsInput } from './field-input.ts';
import { Segment, type SegmentContext } from './segment.ts';

export type { Delimiters } from './delimiters.ts';
export { DEFAULT_DELIMITERS } from './delimiters.ts';
export type { FieldInput, FieldsInput, LeafInput, ComponentInput, RepetitionInput } from './field-input.ts';

/**
 * The HL7 v2 message model: what the MLLP transport and the translators read.
 *
 * Numbering: fields as the standard counts them (for MSH, MSH-1 is the field separator and MSH-2 the encoding
 * characters; the same for FHS and BHS); components and subcomponents 1-based; repetitions 0-based, like an
 * array index. Out-of-range positions read as '' — never an exception — because optional data is the norm.
 */
export interface Hl7Segment {
  readonly name: string;
  /** 1-based position in the message. */
  readonly index: number;
  /** The segment's text without terminator, as received (rebuilt after an edit). */
  readonly raw: string;
  /**
   * Decoded value of one leaf (escapes resolved); '' when absent and for the explicit null `""` (see isNull).
   * Omitted component/subcomponent mean 1, so `get(5)` is PID-5.1.1 — the first component of the first
   * repetition, as HAPI's Terser reads `PID-5`. For the undecoded whole field use rawField().
   */
  get(field: number, component?: number, subcomponent?: number, repetition?: number): string;
  /**
   * True when the value is the explicit null `""` (kept distinct from empty). With only a field number, whether
   * the whole field is `""`; with more, whether that leaf is.
   */
  isNull(field: number, component?: number, subcomponent?: number, repetition?: number): boolean;
  /** Number of repetitions; 0 when the field is empty. */
  repetitions(field: number): number;
  /** Number of fields present (trailing empty fields included as received). */
  fieldCount(): number;
  /** Undecoded text of the whole field. */
  rawField(field: number): string;
}

export interface Hl7Message {
  readonly delimiters: Delimiters;
  readonly segments: readonly Hl7Segment[];
  readonly msh: Hl7Segment;
  /** MSH-9.1, MSH-9.2, MSH-9.3 */
  readonly messageCode: string;
  readonly triggerEvent: string;
  readonly messageStructure: string;
  /** MSH-10 */
  readonly controlId: string;
  /** MSH-11.1 */
  readonly processingId: string;
  /** MSH-12.1 */
  readonly version: string;
  /** MSH-3..MSH-6: the whole field as received (components joined with the sender's component separator). */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** MSH-15, MSH-16; '' when absent. */
  readonly acceptAckType: string;
  readonly applicationAckType: string;
  /** MSH-18, first repetition; '' when absent. */
  readonly charset: string;
  /** The n-th (1-based, default 1) segment with that name. */
  segment(name: string, occurrence?: number): Hl7Segment | undefined;
  all(name: string): Hl7Segment[];
  /**
   * Unmodified: exactly the text parsed (after charset decoding and BOM removal), terminators and blank lines
   * included. Built or edited: every segment followed by CR, as the standard writes it.
   */
  toString(): string;
}

/** A segment that can be written to. Values are escaped on write. */
export interface EditableSegment extends Hl7Segment {
  /** Sets one leaf (repetition 0-based); `null` writes the explicit null `""`. */
  set(field: number, value: string | null, component?: number, subcomponent?: number, repetition?: number): this;
  /** Replaces a whole field from structured input (see FieldInput). */
  setField(field: number, value: FieldInput): this;
}

export interface EditableMessage extends Hl7Message {
  readonly segments: readonly EditableSegment[];
  readonly msh: EditableSegment;
  segment(name: string, occurrence?: number): EditableSegment | undefined;
  all(name: string): EditableSegment[];
  /** Adds a segment at the end. */
  append(name: string, fields?: FieldsInput): EditableSegment;
  /** Adds a segment so that it gets this 1-based index (2 … segments.length + 1; MSH stays first). */
  insert(index: number, name: string, fields?: FieldsInput): EditableSegment;
  remove(segment: Hl7Segment): void;
}

const SEGMENT_NAME = /^[A-Z0-9]{3}$/;
const ENVELOPE_SEGMENTS: ReadonlySet<string> = new Set(['MSH', 'FHS', 'BHS', 'BTS', 'FTS']);

export class Message implements EditableMessage {
  readonly delimiters: Delimiters;
  private readonly list: Segment[] = [];
  private readonly source: string | undefined;
  private readonly context: SegmentContext;
  private modified = false;

  /** `source` is the text the message was parsed from; undefined for a message built in code. */
  constructor(context: SegmentContext, source: string | undefined) {
    this.context = context;
    this.delimiters = context.delimiters;
    this.source = source;
  }

  /** Called by a segment of this message when it is edited. */
  markModified(): void {
    this.modified = true;
  }

  /** Adds a segment as read from text (parser and copies; no validation, no modification mark). */
  adopt(name: string, raw: string, offset: number): Segment {
    const segment = new Segment(name, this.list.length + 1, raw, offset, this.context, this);
    this.list.push(segment);
    return segment;
  }

  get segments(): readonly Segment[] {
    return this.list;
  }

  get msh(): Segment {
    return this.list[0]!;
  }

  get messageCode(): string {
    return this.msh.get(9, 1);
  }
  get triggerEvent(): string {
    return this.msh.get(9, 2);
  }
  get messageStructure(): string {
    return this.msh.get(9, 3);
  }
  get controlId(): string {
    return this.msh.get(10);
  }
  get processingId(): string {
    return this.msh.get(11, 1);
  }
  get version(): string {
    return this.msh.get(12, 1);
  }
  get sendingApplication(): string {
    return this.msh.rawField(3);
  }
  get sendingFacility(): string {
    return this.msh.rawField(4);
  }
  get receivingApplication(): string {
    return this.msh.rawField(5);
  }
  get receivingFacility(): string {
    return this.msh.rawField(6);
  }
  get acceptAckType(): string {
    return this.msh.get(15);
  }
  get applicationAckType(): string {
    return this.msh.get(16);
  }
  get charset(): string {
    return this.msh.get(18, 1, 1, 0);
  }

  segment(name: string, occurrence = 1): Segment | undefined {
    if (!Number.isInteger(occurrence) || occurrence < 1) throw new RangeError('segment occurrence is 1-based');
    let seen = 0;
    for (const segment of this.list) {
      if (segment.name === name && ++seen === occurrence) return segment;
    }
    return undefined;
  }

  all(name: string): Segment[] {
    return this.list.filter((segment) => segment.name === name);
  }

  toString(): string {
    if (this.source !== undefined && !this.modified) return this.source;
    let text = '';
    for (const segment of this.list) text += segment.raw + '\r';
    return text;
  }

  append(name: string, fields?: FieldsInput): Segment {
    return this.insert(this.list.length + 1, name, fields);
  }

  insert(index: number, name: string, fields?: FieldsInput): Segment {
    if (!SEGMENT_NAME.test(name) || ENVELOPE_SEGMENTS.has(name)) {
      throw new Hl7EncodeError(Hl7ErrorCode.SegmentSequenceError, 'segment names are three upper-case letters or digits, and not MSH/FHS/BHS/BTS/FTS', {
        position: 0,
      });
    }
    if (!Number.isInteger(index) || index < 2 || index > this.list.length + 1) {
      throw new RangeError(`a segment can be inserted at index 2 … ${this.list.length + 1}`);
    }
    const segment = new Segment(name, index, buildRaw(name, fields, this.delimiters), -1, this.context, this);
    this.list.splice(index - 1, 0, segment);
    this.renumber();
    this.modified = true;
    return segment;
  }

  remove(segment: Hl7Segment): void {
    const at = this.list.indexOf(segment as Segment);
    if (at === -1) throw new RangeError('the segment is not part of this message');
    if (at === 0) throw new RangeError('MSH cannot be removed');
    this.list.splice(at, 1);
    this.renumber();
    this.modified = true;
  }

  private renumber(): void {
    this.list.forEach((segment, position) => {
      segment.index = position + 1;
    });
  }
}

function buildRaw(name: string, fields: FieldsInput | undefined, delimiters: Delimiters): string {
  if (fields === undefined) return name;
  const list = renderFieldList(fields, delimiters);
  return list.length === 0 ? name : name + delimiters.field + list.join(delimiters.field);
}

export interface NewMessageOptions {
  /** Default `|^~\&`. */
  readonly delimiters?: Delimiters;
  /** MSH fields from 3 on, keyed by field number (MSH-1 and MSH-2 come from the delimiters). */
  readonly msh?: Readonly<Record<number, FieldInput>>;
}

/** A new message holding only its MSH (for ACKs and outbound messages). */
export function createMessage(options: NewMessageOptions = {}): EditableMessage {
  const delimiters = { ...(options.delimiters ?? DEFAULT_DELIMITERS) };
  const fields = options.msh === undefined ? [] : renderFieldList(options.msh, delimiters, 3);
  let raw = 'MSH' + delimiters.field + encodingCharacters(delimiters);
  if (fields.length > 0) raw += delimiters.field + fields.join(delimiters.field);
  // MSH-18 (fields[15]) names the charset that \Xhh\ escapes are read in; charset names hold no delimiters.
  const context: SegmentContext = { delimiters, charset: charsetForText(fields[15] ?? '') };
  const message = new Message(context, undefined);
  message.adopt('MSH', raw, -1);
  return message;
}

/** An editable copy of a message: the original stays as it was. */
export function editMessage(original: Hl7Message): EditableMessage {
  const context: SegmentContext = { delimiters: { ...original.delimiters }, charset: charsetForText(original.charset) };
  const message = new Message(context, undefined);
  for (const segment of original.segments) message.adopt(segment.name, segment.raw, -1);
  return message;
}
