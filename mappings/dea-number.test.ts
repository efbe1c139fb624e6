import { describe, expect, it } from 'vitest';
import { deaCheckDigit, isValidDeaNumber, parseDeaNumber } from './dea-number.ts';
import { DeaNumberError } from './errors.ts';

/**
 * Check digits worked by hand ((d1+d3+d5) + 2·(d2+d4+d6), last digit):
 *   AB1234563: (1+3+5) + 2·(2+4+6) = 9 + 24 = 33 → 3
 *   BJ6125341: (6+2+3) + 2·(1+5+4) = 11 + 20 = 31 → 1
 *   F91234563: same digits as the first → 3 (second letter 9: a business registration)
 *   MX0000000: 0 → 0
 */
describe('DEA registration number', () => {
  it('computes the check digit', () => {
    expect(deaCheckDigit('123456')).toBe(3);
    expect(deaCheckDigit('612534')).toBe(1);
    expect(deaCheckDigit('000000')).toBe(0);
  });

  it('accepts valid numbers and normalises case', () => {
    for (const n of ['AB1234563', 'BJ6125341', 'F91234563', 'MX0000000']) expect(isValidDeaNumber(n)).toBe(true);
    expect(parseDeaNumber(' ab1234563 ')).toBe('AB1234563');
  });

  it('refuses wrong check digits, unknown registrant types and bad formats, naming the field', () => {
    expect(() => parseDeaNumber('AB1234564', 'dea_registration')).toThrow(/check digit 4; its digits give 3/);
    expect(() => parseDeaNumber('ZB1234563')).toThrow(/registrant type/);
    expect(() => parseDeaNumber('A11234563')).toThrow(/two letters and seven digits/);
    expect(() => parseDeaNumber('AB123456')).toThrow(DeaNumberError);
    try {
      parseDeaNumber('AB1234564', 'dea_registration');
    } catch (e) {
      expect((e as DeaNumberError).field).toBe('dea_registration');
      expect((e as DeaNumberError).code).toBe('dea_number_check_digit');
    }
  });
});
