import { describe, expect, it } from 'vitest';
import { NpiError } from './errors.ts';
import { isValidNpi, npiCheckDigit, parseNpi } from './npi.ts';

/**
 * Check digits worked by hand (CMS: Luhn over 80840 + the first nine digits; doubling digits 9, 7, 5, 3, 1 of the
 * nine and adding 24 for the prefix is the same):
 *   123456789: doubled 9→18→9, 7→14→5, 5→10→1, 3→6, 1→2 = 23; others 8+6+4+2 = 20; 23+20+24 = 67 → 3 → 1234567893
 *   100300012: doubled 2→4, 0, 0, 0, 1→2 = 6; others 1+0+3+0 = 4; 6+4+24 = 34 → 6 → 1003000126
 *   999999999: doubled 9→18→9 five times = 45; others 9·4 = 36; 45+36+24 = 105 → 5 → 9999999995
 */
describe('NPI', () => {
  it.each([
    ['123456789', 3],
    ['100300012', 6],
    ['999999999', 5],
  ])('check digit of %s is %d', (first9, digit) => {
    expect(npiCheckDigit(first9)).toBe(digit);
  });

  it('accepts valid NPIs and refuses wrong check digits and formats', () => {
    for (const npi of ['1234567893', '1003000126', '9999999995']) expect(isValidNpi(npi)).toBe(true);
    for (const npi of ['1234567890', '1234567894', '1003000125', '123456789', '12345678931', 'A234567893']) expect(isValidNpi(npi)).toBe(false);
    expect(parseNpi(' 1234567893 ')).toBe('1234567893');
    expect(() => parseNpi('1234567890', 'prescriber_npi')).toThrow(/NPI 1234567890 has check digit 0; the first nine digits give 3/);
    try {
      parseNpi('12345', 'prescriber_npi');
    } catch (e) {
      expect(e).toBeInstanceOf(NpiError);
      expect((e as NpiError).field).toBe('prescriber_npi');
      expect((e as NpiError).code).toBe('npi_format');
    }
  });
});
