import type { Hl7Message, Hl7Segment } from '../message.ts';
import { hl7DateToIsoDate, hl7DtmToIso } from './datetime.ts';
import type { Hl7Location } from '../errors.ts';
import type { TranslateErrorCode, TranslateIssue } from './types.ts';

/** A place in the message; `repetition` is 0-based here (as in the parser API) and 1-based in issues. */
export interface Loc {
  seg: Hl7Segment;
  field: number;
  component?: number;
  subcomponent?: number;
  repetition?: number;
}

/**
 * Offset of a field in the message text, when the segment knows where it was parsed from (the parser's Segment has
 * `offset` and `fieldOffset`); 0 otherwise.
 */
function textPosition(seg: Hl7Segment, field: number | undefined): number {
  const s = seg as Hl7Segment & { offset?: unknown; fieldOffset?: unknown };
  if (typeof s.offset !== 'number' || s.offset < 0) return 0;
  if (field === undefined || typeof s.fieldOffset !== 'function') return s.offset;
  const inSegment = (s.fieldOffset as (f: number) => number).call(seg, field);
  return inSegment < 0 ? s.offset : s.offset + inSegment;
}

const NM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Read access to a parsed message for the translators: decoded values with explicit nulls (`""`) read as empty,
 * segment positions for error locations, and the checks that turn bad values into table-0357 issues.
 */
export class Reader {
  readonly segments: readonly Hl7Segment[];
  readonly issues: TranslateIssue[] = [];
  /** index and occurrence of every segment, made when the first issue needs them (most messages have none) */
  private positions: Map<Hl7Segment, { index: number; sequence: number }> | undefined;
  /** DTM text → UTC ISO, for the times this message has already converted (only those that converted); made at the first */
  private isoTimes: Map<string, string> | undefined;

  constructor(
    readonly message: Hl7Message,
    readonly timeZone: string,
  ) {
    this.segments = message.segments;
  }

  private positionOf(seg: Hl7Segment): { index: number; sequence: number } {
    if (!this.positions) {
      const positions = new Map<Hl7Segment, { index: number; sequence: number }>();
      const seen = new Map<string, number>();
      this.segments.forEach((s, index) => {
        const sequence = (seen.get(s.name) ?? 0) + 1;
        seen.set(s.name, sequence);
        positions.set(s, { index, sequence });
      });
      this.positions = positions;
    }
    return this.positions.get(seg) ?? { index: -1, sequence: 1 };
  }

  /** The value at a position, decoded and trimmed; '' when absent or an explicit null. */
  val(seg: Hl7Segment | undefined, field: number, component = 1, subcomponent = 1, repetition = 0): string {
    if (!seg) return '';
    const v = seg.get(field, component, subcomponent, repetition);
    if (v === '""') return '';
    return v.trim();
  }

  /** How many repetitions to look at (at least one, so that a single value is seen). */
  reps(seg: Hl7Segment, field: number): number {
    return Math.max(1, seg.repetitions(field));
  }

  issue(code: TranslateErrorCode, loc: Loc | { seg: Hl7Segment; field?: undefined }, detail: string): void {
    this.issues.push({ code, severity: 'E', detail, location: this.locationOf(loc) });
  }

  /** Where a value is, as an ERR segment names it (ERL numbering and the offset in the message text). */
  locationOf(loc: Loc | { seg: Hl7Segment; field?: undefined }): Hl7Location {
    const pos = this.positionOf(loc.seg);
    const location: { -readonly [K in keyof Hl7Location]: Hl7Location[K] } = {
      segment: loc.seg.name,
      segmentIndex: pos.index + 1,
      occurrence: pos.sequence,
      position: textPosition(loc.seg, loc.field),
    };
    if (loc.field !== undefined) {
      location.field = loc.field;
      location.repetition = (loc.repetition ?? 0) + 1;
      if (loc.component !== undefined) location.component = loc.component;
      if (loc.subcomponent !== undefined) location.subcomponent = loc.subcomponent;
    }
    return location;
  }

  /** `RXD-3` / `RXE-1.4` style name of a location, for messages. */
  static where(loc: Loc): string {
    let s = `${loc.seg.name}-${loc.field}`;
    if (loc.component !== undefined && (loc.component > 1 || (loc.subcomponent ?? 1) > 1)) s += `.${loc.component}`;
    if (loc.subcomponent !== undefined && loc.subcomponent > 1) s += `.${loc.subcomponent}`;
    return s;
  }

  private read(loc: Loc): string {
    return this.val(loc.seg, loc.field, loc.component ?? 1, loc.subcomponent ?? 1, loc.repetition ?? 0);
  }

  /** A DTM (or TS first component) → UTC ISO; undefined when empty; code 102 when malformed. */
  dtm(loc: Loc): string | undefined {
    const text = this.read(loc);
    if (text === '') return undefined;
    // A message repeats its times (every OBX of a panel, every RXD of a batch): each is converted once.
    const known = this.isoTimes?.get(text);
    if (known !== undefined) return known;
    const r = hl7DtmToIso(text, this.timeZone);
    if (r.ok) {
      (this.isoTimes ??= new Map()).set(text, r.iso);
      return r.iso;
    }
    this.issue(102, loc, `${Reader.where(loc)} is ${r.reason}`);
    return undefined;
  }

  /** A date kept as a calendar date (expiry); 102 when malformed. */
  date(loc: Loc): string | undefined {
    const text = this.read(loc);
    if (text === '') return undefined;
    const d = hl7DateToIsoDate(text);
    if (d === undefined) this.issue(102, loc, `${Reader.where(loc)} is not a valid HL7 date`);
    return d;
  }

  /**
   * A DT to the precision written: `2018`, `2018-05` or `2018-05-14` (an allergy's onset, an observed date); 102 when
   * it is not a date. Unlike `date`, a month or a year is not stretched to its last day.
   */
  partialDate(loc: Loc): string | undefined {
    const text = this.read(loc);
    if (text === '') return undefined;
    const m = /^(\d{4})(?:(\d{2})(\d{2})?)?$/.exec(text);
    const month = m?.[2] === undefined ? 1 : Number(m[2]);
    const day = m?.[3] === undefined ? 1 : Number(m[3]);
    const valid = m !== null && month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate();
    if (!valid) {
      this.issue(102, loc, `${Reader.where(loc)} is not a date (YYYY, YYYYMM or YYYYMMDD)`);
      return undefined;
    }
    return [m[1], m[2], m[3]].filter((part) => part !== undefined).join('-');
  }

  /** An NM value; 102 when not a number. */
  num(loc: Loc): number | undefined {
    const text = this.read(loc);
    if (text === '') return undefined;
    if (!NM.test(text)) {
      this.issue(102, loc, `${Reader.where(loc)} is not a number (NM)`);
      return undefined;
    }
    return Number(text);
  }

  /**
   * A number held in an ST field (a give rate: `23`): the number when the text is one, else nothing and no issue —
   * the field may hold text (`5-10`, `titrate`), which, like all free text, is not carried.
   */
  numInText(loc: Loc): number | undefined {
    const text = this.read(loc);
    return NM.test(text) ? Number(text) : undefined;
  }

  /** An NM that must be a whole number ≥ 0 (refill counts). */
  count(loc: Loc): number | undefined {
    const n = this.num(loc);
    if (n === undefined) return undefined;
    if (!Number.isInteger(n) || n < 0) {
      this.issue(102, loc, `${Reader.where(loc)} must be a whole number of 0 or more`);
      return undefined;
    }
    return n;
  }

  /** Text that the canonical event limits in length: 102 when longer. */
  limited(loc: Loc, max: number): string | undefined {
    const text = this.read(loc);
    if (text === '') return undefined;
    if (text.length > max) {
      this.issue(102, loc, `${Reader.where(loc)} is longer than ${max} characters`);
      return undefined;
    }
    return text;
  }

  /** Segments after `from` (exclusive) in its group, up to (not including) the first whose name is in `stop`. */
  following(group: readonly Hl7Segment[], from: Hl7Segment, stop: readonly string[]): Hl7Segment[] {
    const i = group.indexOf(from);
    const out: Hl7Segment[] = [];
    for (const seg of group.slice(i + 1)) {
      if (stop.includes(seg.name)) break;
      out.push(seg);
    }
    return out;
  }
}

/** The message split at each ORC: the segments before the first ORC, then each ORC with what follows it. */
export function orderGroups(segments: readonly Hl7Segment[]): { head: Hl7Segment[]; groups: { orc: Hl7Segment; segments: Hl7Segment[] }[] } {
  const head: Hl7Segment[] = [];
  const groups: { orc: Hl7Segment; segments: Hl7Segment[] }[] = [];
  for (const seg of segments) {
    if (seg.name === 'ORC') groups.push({ orc: seg, segments: [seg] });
    else if (groups.length > 0) groups[groups.length - 1]!.segments.push(seg);
    else head.push(seg);
  }
  return { head, groups };
}
