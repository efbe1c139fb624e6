import { DEFAULT_DELIMITERS, isDelimiterCandidate, type Delimiters } from './delimiters.ts';
import { Hl7Error, Hl7ErrorCode, Hl7ParseError, relocate } from './errors.ts';
import { inputToText } from './input-text.ts';
import type { Hl7Message, Hl7Segment } from './message.ts';
import { delimitersOfHeaderLine, hasValidSegmentName, readMessage } from './read-message.ts';
import { Segment, type SegmentContext } from './segment.ts';
import { declaredFieldSeparator, splitSegmentLines, type SegmentLines } from './segment-lines.ts';

/**
 * HL7 v2 batches (v2.5 §2.10.3): `[FHS] { [BHS] { MSH … } [BTS] } [FTS]`.
 *
 * FHS needs FTS and BHS needs BTS; a file without FHS may hold messages with or without BHS/BTS, so plain
 * concatenated messages parse as one implicit batch. Each message is read with its own MSH delimiters.
 * Counts are checked when given: BTS-1 against the messages of its batch, FTS-1 against the number of batches;
 * a mismatch is code 100 (messages missing or extra), a non-numeric count code 102.
 */
export interface Hl7BatchGroup {
  /** BHS, when the batch has one. */
  readonly header: Hl7Segment | undefined;
  /** BTS, when the batch has one. */
  readonly trailer: Hl7Segment | undefined;
  readonly messages: readonly Hl7Message[];
}

export interface Hl7Batch {
  /** Delimiters of the envelope (FHS, else the first BHS, else the first MSH). */
  readonly delimiters: Delimiters;
  readonly fileHeader: Hl7Segment | undefined;
  readonly fileTrailer: Hl7Segment | undefined;
  readonly batches: readonly Hl7BatchGroup[];
  /** Every message of every batch, in order. */
  readonly messages: readonly Hl7Message[];
  /** The parsed text, unchanged. */
  toString(): string;
}

type LineKind = 'FHS' | 'BHS' | 'MSH' | 'BTS' | 'FTS' | 'other';

class BatchReader {
  private line = 0;
  private readonly count: number;
  private context: SegmentContext | undefined;
  private envelopeDelimiters: Delimiters | undefined;
  private readonly messages: Hl7Message[] = [];

  constructor(
    private readonly text: string,
    private readonly lines: SegmentLines,
    private readonly charset: SegmentContext['charset'] | undefined,
  ) {
    this.count = lines.starts.length;
  }

  /** Envelope segments and MSH by name; everything else (checked later by readMessage) is 'other'. */
  private kind(line: number): LineKind {
    const start = this.lines.starts[line]!;
    const name = this.text.slice(start, start + 3);
    if (name !== 'FHS' && name !== 'BHS' && name !== 'MSH' && name !== 'BTS' && name !== 'FTS') return 'other';
    const next = start + 3 < this.lines.ends[line]! ? this.text.charAt(start + 3) : '';
    return next === '' || isDelimiterCandidate(next) ? name : 'other';
  }

  private error(code: Hl7ErrorCode, detail: string, line: number, extra: { segment?: string; field?: number } = {}): Hl7ParseError {
    const position = line < this.count ? this.lines.starts[line]! : this.text.length;
    return new Hl7ParseError(code, detail, { ...extra, segmentIndex: Math.min(line, this.count) + 1, position });
  }

  /** An envelope segment, read with the delimiters of its own header (FHS/BHS) or of the enclosing one. */
  private envelopeSegment(name: 'FHS' | 'BHS' | 'BTS' | 'FTS'): Segment {
    const line = this.line;
    const start = this.lines.starts[line]!;
    const end = this.lines.ends[line]!;
    if (name === 'FHS' || name === 'BHS') {
      this.context = { delimiters: delimitersOfHeaderLine(this.text, start, end, name, line + 1), charset: this.charset ?? 'UNICODE UTF-8' };
      this.envelopeDelimiters ??= this.context.delimiters;
    }
    // BTS/FTS are only read after a BHS/FHS (or a message) has set the context; the default is a safety net.
    const context = this.context ?? { delimiters: DEFAULT_DELIMITERS, charset: 'UNICODE UTF-8' as const };
    this.line++;
    return new Segment(name, line + 1, this.text.slice(start, end), start, context);
  }

  private readMessages(): Hl7Message[] {
    const group: Hl7Message[] = [];
    while (this.line < this.count && this.kind(this.line) === 'MSH') {
      const first = this.line;
      let last = first + 1;
      while (last < this.count && !['MSH', 'BHS', 'BTS', 'FHS', 'FTS'].includes(this.kind(last))) last++;
      const sourceEnd = last < this.count ? this.lines.starts[last]! : this.text.length;
      try {
        const message = readMessage({
          text: this.text,
          lines: this.lines,
          first,
          last,
          sourceStart: this.lines.starts[first]!,
          sourceEnd,
          charset: this.charset,
        });
        group.push(message);
        this.messages.push(message);
        if (this.context === undefined) {
          this.context = { delimiters: message.delimiters, charset: this.charset ?? 'UNICODE UTF-8' };
          this.envelopeDelimiters ??= message.delimiters;
        }
      } catch (error) {
        if (error instanceof Hl7Error) throw relocate(error, 0, this.messages.length + 1);
        throw error;
      }
      this.line = last;
    }
    return group;
  }

  private checkCount(trailer: Segment, actual: number, what: string): void {
    const declared = trailer.get(1);
    if (declared === '') return;
    const location = { segment: trailer.name, segmentIndex: trailer.index, occurrence: 1, field: 1, position: trailer.offset + 4 };
    if (!/^\d+$/.test(declared)) {
      throw new Hl7ParseError(Hl7ErrorCode.DataTypeError, `${trailer.name}-1 must be a count`, location);
    }
    if (Number(declared) !== actual) {
      throw new Hl7ParseError(
        Hl7ErrorCode.SegmentSequenceError,
        `${trailer.name}-1 declares ${Number(declared)} ${what} but ${actual} ${actual === 1 ? 'is' : 'are'} present`,
        location,
      );
    }
  }

  read(): Hl7Batch {
    if (this.count === 0) throw this.error(Hl7ErrorCode.SegmentSequenceError, 'the batch is empty', 0);
    const firstKind = this.kind(0);
    if (firstKind !== 'FHS' && firstKind !== 'BHS' && firstKind !== 'MSH') {
      throw this.error(Hl7ErrorCode.SegmentSequenceError, 'a batch must start with FHS, BHS or MSH', 0);
    }
    const fileHeader = firstKind === 'FHS' ? this.envelopeSegment('FHS') : undefined;
    const batches: Hl7BatchGroup[] = [];
    while (this.line < this.count) {
      const kind = this.kind(this.line);
      if (kind === 'FTS') break;
      if (kind === 'BHS') {
        const header = this.envelopeSegment('BHS');
        const messages = this.readMessages();
        if (this.line >= this.count || this.kind(this.line) !== 'BTS') {
          const misplaced = this.line < this.count && this.kind(this.line) === 'other';
          throw this.error(
            Hl7ErrorCode.SegmentSequenceError,
            misplaced ? 'expected MSH or BTS after BHS' : 'BHS without a matching BTS',
            this.line,
            { segment: this.segmentName(this.line) },
          );
        }
        const trailer = this.envelopeSegment('BTS');
        this.checkCount(trailer, messages.length, 'messages');
        batches.push({ header, trailer, messages });
      } else if (kind === 'MSH') {
        batches.push({ header: undefined, trailer: undefined, messages: this.readMessages() });
      } else {
        throw this.error(
          Hl7ErrorCode.SegmentSequenceError,
          kind === 'BTS' ? 'BTS without a preceding BHS' : kind === 'FHS' ? 'FHS is only allowed first' : 'expected MSH, BHS or FTS',
          this.line,
          { segment: this.segmentName(this.line) },
        );
      }
    }
    let fileTrailer: Segment | undefined;
    if (this.line < this.count) {
      if (fileHeader === undefined) throw this.error(Hl7ErrorCode.SegmentSequenceError, 'FTS without a preceding FHS', this.line, { segment: 'FTS' });
      fileTrailer = this.envelopeSegment('FTS');
      this.checkCount(fileTrailer, batches.length, 'batches');
      if (this.line < this.count) {
        throw this.error(Hl7ErrorCode.SegmentSequenceError, 'segments after FTS', this.line, { segment: this.segmentName(this.line) });
      }
    } else if (fileHeader !== undefined) {
      throw this.error(Hl7ErrorCode.SegmentSequenceError, 'FHS without a matching FTS', this.line);
    }
    const delimiters = this.envelopeDelimiters ?? DEFAULT_DELIMITERS;
    const text = this.text;
    return { delimiters, fileHeader, fileTrailer, batches, messages: this.messages, toString: () => text };
  }

  private segmentName(line: number): string | undefined {
    if (line >= this.count) return undefined;
    const start = this.lines.starts[line]!;
    const end = this.lines.ends[line]!;
    return hasValidSegmentName(this.text, start, end, start + 3 < end ? this.text.charAt(start + 3) : '') ? this.text.slice(start, start + 3) : undefined;
  }
}

/**
 * Parses a batch file (or plain concatenated messages). Pure, like parseMessage.
 * @throws Hl7ParseError naming what is wrong: envelope order, counts, or the first error of a message
 *   (then `location.messageIndex` says which message, `segmentIndex` counts inside that message and
 *   `position` is in the whole text).
 */
export function parseBatch(input: Uint8Array | string): Hl7Batch {
  const { text, charset } = inputToText(input);
  const lines = splitSegmentLines(text, declaredFieldSeparator(text));
  return new BatchReader(text, lines, charset).read();
}
