import { describe, expect, it } from 'vitest';
import { hl7DateToIsoDate, hl7DtmToIso, isValidTimeZone, parseDtm, zoneOffsetFromIntl, zoneOffsetMinutes } from './datetime.ts';

const iso = (text: string, tz = 'UTC') => {
  const r = hl7DtmToIso(text, tz);
  return r.ok ? r.iso : `invalid: ${r.reason}`;
};

describe('HL7 DTM → UTC ISO-8601', () => {
  it('applies the offset the value carries', () => {
    expect(iso('20191104062726+0215')).toBe('2019-11-04T04:12:26.000Z');
    expect(iso('20150624084727.655-0500')).toBe('2015-06-24T13:47:27.655Z');
    expect(iso('20210817151943.4+0200')).toBe('2021-08-17T13:19:43.400Z');
    expect(iso('202108181126+0215')).toBe('2021-08-18T09:11:00.000Z');
    expect(iso('20240101000000-0000')).toBe('2024-01-01T00:00:00.000Z');
    // the offset wins over the configured zone
    expect(iso('20240701120000+0000', 'America/New_York')).toBe('2024-07-01T12:00:00.000Z');
  });

  it('takes the start of the period for every precision', () => {
    expect(iso('2021')).toBe('2021-01-01T00:00:00.000Z');
    expect(iso('202104')).toBe('2021-04-01T00:00:00.000Z');
    expect(iso('20210407')).toBe('2021-04-07T00:00:00.000Z');
    expect(iso('2021040719')).toBe('2021-04-07T19:00:00.000Z');
    expect(iso('202104071913')).toBe('2021-04-07T19:13:00.000Z');
    expect(iso('20210407191342')).toBe('2021-04-07T19:13:42.000Z');
    expect(iso('20210407191342.1234')).toBe('2021-04-07T19:13:42.123Z');
    expect(iso('2021+0100')).toBe('2020-12-31T23:00:00.000Z');
  });

  it('reads a value without offset in the configured zone, daylight saving included', () => {
    expect(iso('20240115120000', 'America/New_York')).toBe('2024-01-15T17:00:00.000Z'); // EST, -5
    expect(iso('20240715120000', 'America/New_York')).toBe('2024-07-15T16:00:00.000Z'); // EDT, -4
    expect(iso('20240715120000', 'Europe/Berlin')).toBe('2024-07-15T10:00:00.000Z');
    expect(iso('20240715', 'Asia/Kolkata')).toBe('2024-07-14T18:30:00.000Z');
  });

  it('reads a wall time in the spring-forward gap with the offset before it, and the repeated hour as its first occurrence', () => {
    // 2024-03-10 02:30 does not exist in New York: read with EST it is 07:30Z (03:30 EDT).
    expect(iso('202403100230', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
    // 2024-11-03 01:30 happens twice: first at 05:30Z (EDT), again at 06:30Z (EST).
    expect(iso('202411030130', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
    expect(iso('202411030230', 'America/New_York')).toBe('2024-11-03T07:30:00.000Z');
  });

  it.each([
    ['2021130', 'odd length'],
    ['20211301', 'month 13'],
    ['20210230', '30 February'],
    ['20230229', '29 February of a common year'],
    ['20210101240000', 'hour 24'],
    ['20210101126000', 'minute 60'],
    ['2021-01-01', 'ISO dashes'],
    ['20210101T1200', 'a T'],
    ['20210101120000+2500', 'offset hour 25'],
    ['20210101120000+01', 'short offset'],
    ['2021010112.5', 'fraction without seconds'],
    ['20210101120000.12345', 'five fractional digits'],
    ['abc', 'letters'],
    ['', 'empty'],
  ])('refuses %j (%s)', (text) => {
    expect(hl7DtmToIso(text, 'UTC').ok).toBe(false);
  });

  it('accepts 29 February of a leap year and reports unknown zones', () => {
    expect(iso('20240229')).toBe('2024-02-29T00:00:00.000Z');
    expect(iso('20000229')).toBe('2000-02-29T00:00:00.000Z');
    expect(hl7DtmToIso('20240101', 'Mars/Olympus')).toEqual({ ok: false, reason: 'unknown time zone Mars/Olympus' });
    expect(isValidTimeZone('America/Chicago')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('keeps years below 100 as written', () => {
    expect(parseDtm('00500101')?.year).toBe(50);
    expect(iso('00500101')).toBe('0050-01-01T00:00:00.000Z');
  });
});

describe('zone offsets', () => {
  // Transitions on a half or quarter hour of UTC (St John's, Lord Howe's 30-minute shift, Kathmandu's +05:45 from
  // 1986), and older ones at odd seconds: Monrovia left -00:44:30 in 1972, Amsterdam +00:19:32 in 1937.
  const sweeps: [string, string, string, number?][] = [
    ['America/St_Johns', '2024-03-09T00:00:00Z', '2024-03-12T00:00:00Z'],
    ['America/St_Johns', '2024-11-02T00:00:00Z', '2024-11-05T00:00:00Z'],
    ['Australia/Lord_Howe', '2024-04-05T00:00:00Z', '2024-04-08T00:00:00Z'],
    ['Asia/Kathmandu', '1985-12-31T12:00:00Z', '1986-01-01T12:00:00Z'],
    ['Africa/Monrovia', '1972-01-06T00:00:00Z', '1972-01-08T00:00:00Z'],
    ['Africa/Monrovia', '1972-01-06T23:00:00Z', '1972-01-07T02:00:00Z', 17_000],
    ['Europe/Amsterdam', '1937-06-30T12:00:00Z', '1937-07-01T12:00:00Z'],
  ];

  // 7 min 13 s steps by default, so that the instants fall everywhere within the quarter hours
  it.each(sweeps)('in %s from %s to %s are what Intl says at every instant, read forwards and backwards', (zone, from, to, step = 433_000) => {
    const instants: number[] = [];
    for (let t = Date.parse(from); t < Date.parse(to); t += step) instants.push(t);
    const disagreements = [...instants, ...instants.reverse()].filter((t) => zoneOffsetMinutes(zone, t) !== zoneOffsetFromIntl(zone, t));
    expect(disagreements.map((t) => new Date(t).toISOString())).toEqual([]);
  });

  it('turn a wall time back into the earliest instant that shows it, across transitions', () => {
    const wall = (zone: string, t: number): string => {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
      const get = (type: string) => parts.find((p) => p.type === type)!.value;
      return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
    };
    for (const [zone, from, to] of sweeps.slice(0, 3)) {
      for (let t = Date.parse(from); t < Date.parse(to); t += 433_000) {
        const text = wall(zone, t);
        const back = Date.parse(iso(text, zone));
        expect(wall(zone, back), `${zone} ${text}`).toBe(text);
        expect(back, `${zone} ${text}`).toBeLessThanOrEqual(t);
      }
    }
  });
});

describe('HL7 date → calendar date (expiry)', () => {
  it('keeps the date as written and ends a month or year at its last day', () => {
    expect(hl7DateToIsoDate('20211216')).toBe('2021-12-16');
    expect(hl7DateToIsoDate('20211216235959-0800')).toBe('2021-12-16');
    expect(hl7DateToIsoDate('202402')).toBe('2024-02-29');
    expect(hl7DateToIsoDate('202302')).toBe('2023-02-28');
    expect(hl7DateToIsoDate('202611')).toBe('2026-11-30');
    expect(hl7DateToIsoDate('2026')).toBe('2026-12-31');
    expect(hl7DateToIsoDate('2026-11')).toBeUndefined();
    expect(hl7DateToIsoDate('20261131')).toBeUndefined();
  });
});
