import { describe, expect, it } from 'vitest';
import { encodingCharacters, readDelimiters } from './delimiters.ts';
import { Hl7ErrorCode } from './errors.ts';

describe('readDelimiters', () => {
  it('reads the recommended set', () => {
    expect(readDelimiters('|', '^~\\&')).toEqual({
      ok: true,
      delimiters: { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' },
    });
  });

  it('reads any other set positionally (MSH#$*@!)', () => {
    expect(readDelimiters('#', '$*@!')).toEqual({
      ok: true,
      delimiters: { field: '#', component: '$', repetition: '*', escape: '@', subcomponent: '!' },
    });
  });

  it('reads the v2.7 truncation character as the fifth', () => {
    const reading = readDelimiters('|', '^~\\&#');
    expect(reading.ok && reading.delimiters.truncation).toBe('#');
  });

  it('keeps recommended characters in their roles when some are left out (realm-batch MSH-2 "^~&")', () => {
    expect(readDelimiters('|', '^~&')).toEqual({
      ok: true,
      delimiters: { field: '|', component: '^', repetition: '~', escape: '', subcomponent: '&' },
    });
    // ruby-hl7 adt_a01.hl7 has "^\&": no repetition separator
    expect(readDelimiters('|', '^\\&')).toEqual({
      ok: true,
      delimiters: { field: '|', component: '^', repetition: '', escape: '\\', subcomponent: '&' },
    });
  });

  it('refuses unusable delimiters with the field they come from', () => {
    expect(readDelimiters('A', '^~\\&')).toMatchObject({ ok: false, field: 1, code: Hl7ErrorCode.DataTypeError });
    expect(readDelimiters(' ', '^~\\&')).toMatchObject({ ok: false, field: 1 });
    expect(readDelimiters('|', '')).toMatchObject({ ok: false, field: 2, code: Hl7ErrorCode.RequiredFieldMissing });
    expect(readDelimiters('|', '^~\\&#$')).toMatchObject({ ok: false, field: 2, code: Hl7ErrorCode.DataTypeError });
    expect(readDelimiters('|', '^^\\&')).toMatchObject({ ok: false, field: 2 });
    expect(readDelimiters('|', '^|\\&')).toMatchObject({ ok: false, field: 2 });
    expect(readDelimiters('|', '^~a&')).toMatchObject({ ok: false, field: 2 });
  });
});

describe('encodingCharacters', () => {
  it('writes MSH-2 back', () => {
    expect(encodingCharacters({ field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '#' })).toBe('^~\\&#');
    expect(encodingCharacters({ field: '|', component: '^', repetition: '~', escape: '', subcomponent: '&' })).toBe('^~&');
  });
});
