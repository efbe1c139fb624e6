/**
 * HL7 v2 date/time values (DTM, and the first component of the older TS) → UTC ISO-8601.
 *
 *   YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
 *
 * - Missing parts take the start of the period: `2021` is 2021-01-01T00:00, `20210407` is midnight that day.
 * - With an offset the value is exact. Without one it is wall-clock time in the configured default time zone (an
 *   IANA name such as `America/Chicago`; `UTC` when not configured). In a daylight-saving gap the wall time is read
 *   with the offset in force before the gap (02:30 on a spring-forward night becomes 03:30); in the repeated hour of
 *   a fall-back night the earlier of the two instants is taken.
 * - Fractions are kept to the millisecond; a fourth fractional digit is truncated.
 * - Anything else (letters, wrong lengths, month 13, 30 February, hour 24, offset +2500…) is malformed: the caller
 *   reports it as a table-0357 code 102 (data type error) naming the field.
 */

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

export interface DtmParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC, when the value carried an offset. */
  offsetMinutes?: number;
  /** How many of the date/time parts were given: 1 = year … 6 = seconds. */
  precision: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (no Date.UTC, which maps years 0–99 to 1900–1999). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function parseDtm(text: string): DtmParts | undefined {
  const m = DTM.exec(text.trim());
  if (!m) return undefined;
  const precision = m.slice(1, 7).filter((p) => p !== undefined).length;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millisecond = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const parts: DtmParts = { year, month, day, hour, minute, second, millisecond, precision };
  if (m[8] !== undefined) {
    const sign = m[8].startsWith('-') ? -1 : 1;
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(3, 5));
    if (oh > 14 || om > 59) return undefined;
    parts.offsetMinutes = sign * (oh * 60 + om);
  }
  return parts;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const isUtc = (timeZone: string): boolean => timeZone === 'UTC' || timeZone === 'Etc/UTC';

/** The zone's offset from UTC (minutes east) at the instant `utcMs`, as Intl reads it from the runtime's tz data. */
export function zoneOffsetFromIntl(timeZone: string, utcMs: number): number {
  if (isUtc(timeZone)) return 0;
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const wall =
    daysFromCivil(year, get('month'), get('day')) * 86_400_000 + get('hour') * 3_600_000 + get('minute') * 60_000 + get('second') * 1000;
  const whole = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return Math.round((wall - whole) / 60_000);
}

/**
 * Offsets already read, by zone and quarter hour of UTC. Asking Intl costs microseconds, and a message's date/times
 * need three or four readings each, all near one another in time; offsets change only at a zone's transitions.
 */
const OFFSET_STRETCH_MS = 15 * 60_000;
const OFFSET_STRETCHES_PER_ZONE = 20_000; // seven months of quarter hours, under 2 MB
const knownOffsets = new Map<string, Map<number, number>>();

export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  if (isUtc(timeZone)) return 0;
  let zone = knownOffsets.get(timeZone);
  if (!zone) knownOffsets.set(timeZone, (zone = new Map()));
  const stretch = Math.floor(utcMs / OFFSET_STRETCH_MS);
  const known = zone.get(stretch);
  if (known !== undefined) return known;
  const offset = zoneOffsetFromIntl(timeZone, utcMs);
  // Transitions of the last decades fall on a quarter hour of UTC; older ones (local mean time) need not: a stretch
  // is kept only when its first and last seconds have the same offset, so no transition lies inside it.
  const start = stretch * OFFSET_STRETCH_MS;
  if (zoneOffsetFromIntl(timeZone, start) === offset && zoneOffsetFromIntl(timeZone, start + OFFSET_STRETCH_MS - 1000) === offset) {
    if (zone.size >= OFFSET_STRETCHES_PER_ZONE) zone.clear();
    zone.set(stretch, offset);
  }
  return offset;
}

/** Milliseconds since the epoch of a parsed value; `undefined` when the zone is unknown. */
export function dtmToEpochMs(parts: DtmParts, defaultTimeZone: string): number | undefined {
  const wallMs =
    daysFromCivil(parts.year, parts.month, parts.day) * 86_400_000 +
    parts.hour * 3_600_000 +
    parts.minute * 60_000 +
    parts.second * 1000 +
    parts.millisecond;
  if (parts.offsetMinutes !== undefined) return wallMs - parts.offsetMinutes * 60_000;
  if (isUtc(defaultTimeZone)) return wallMs;
  if (!isValidTimeZone(defaultTimeZone)) return undefined;
  return wallTimeToUtc(wallMs, defaultTimeZone);
}

/**
 * A wall-clock time of the zone as an instant. The offsets in force a day before and a day after give the (at most
 * two) candidate instants; a candidate is right when the zone shows exactly this wall time at it. Two right ones:
 * the repeated hour, take the earlier. None: the wall time is in a gap, read it with the offset from before the
 * transition.
 */
function wallTimeToUtc(wallMs: number, timeZone: string): number {
  const before = wallMs - zoneOffsetMinutes(timeZone, wallMs - 86_400_000) * 60_000;
  const after = wallMs - zoneOffsetMinutes(timeZone, wallMs + 86_400_000) * 60_000;
  const beforeRight = before + zoneOffsetMinutes(timeZone, before) * 60_000 === wallMs;
  const afterRight = after + zoneOffsetMinutes(timeZone, after) * 60_000 === wallMs;
  if (beforeRight && afterRight) return Math.min(before, after);
  if (afterRight) return after;
  return before;
}

export type DtmResult = { ok: true; iso: string } | { ok: false; reason: string };

/** HL7 DTM → `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export function hl7DtmToIso(text: string, defaultTimeZone: string): DtmResult {
  const parts = parseDtm(text);
  if (!parts) return { ok: false, reason: 'not a valid HL7 date/time (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ])' };
  const ms = dtmToEpochMs(parts, defaultTimeZone);
  if (ms === undefined) return { ok: false, reason: `unknown time zone ${defaultTimeZone}` };
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 0 || year > 9999) return { ok: false, reason: 'date/time out of range' };
  return { ok: true, iso: d.toISOString() };
}

/**
 * A calendar date (expiry dates): the date part exactly as written, no time-zone conversion. `YYYYMM` means the
 * last day of that month and `YYYY` the last day of the year, as printed expiry dates do.
 */
export function hl7DateToIsoDate(text: string): string | undefined {
  const parts = parseDtm(text);
  if (!parts) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  let { month, day } = parts;
  if (parts.precision === 1) {
    month = 12;
    day = 31;
  } else if (parts.precision === 2) {
    day = daysInMonth(parts.year, month);
  }
  return `${pad(parts.year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * Whole years from one calendar date to another, each read as written (no time-zone shift: an HL7 date/time is
 * written in the sender's local time, and so is a birth date); undefined unless both give at least a day, or when the
 * second comes before the first.
 */
export function wholeYearsBetween(from: string, to: string): number | undefined {
  const a = parseDtm(from);
  const b = parseDtm(to);
  if (!a || !b || a.precision < 3 || b.precision < 3) return undefined;
  const monthDay = (p: DtmParts) => p.month * 100 + p.day;
  const years = b.year - a.year - (monthDay(b) < monthDay(a) ? 1 : 0);
  return years < 0 ? undefined : years;
}
