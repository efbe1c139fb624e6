import { describe, expect, it } from 'vitest';
import { hl7DateToIsoDate, hl7DtmToIso, isValidTimeZone, parseDtm } from './datetime.ts';

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
