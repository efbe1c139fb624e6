import { describe, expect, it } from 'vitest';
import { GtinError } from './errors.ts';
import { gs1CheckDigit, gtinFromNdc10, ndc10FromGtin, parseGtin } from './gtin.ts';

/**
 * GS1 check digits, worked by hand (weights 3,1,3,… from the right):
 *   0 0 3 0 5 9 1 0 3 6 9 0 1 | ?   (GTIN-14 of NDC 0591-0369-01)
 *   from the right: 1·3 + 0·1 + 9·3 + 6·1 + 3·3 + 0·1 + 1·3 + 9·1 + 5·3 + 0·1 + 3·3 + 0·1 + 0·3 = 81 → 10 − 1 = 9
 *   1 2 3 4 5 6 7 8 9 0 1 2 3 | ?   (the GS1 syntax engine's test GTIN 12345678901231)
 *   3·3 + 2·1 + 1·3 + 0·1 + 9·3 + 8·1 + 7·3 + 6·1 + 5·3 + 4·1 + 3·3 + 2·1 + 1·3 = 109 → 10 − 9 = 1
 */

describe('GTIN', () => {
  it('computes GS1 check digits', () => {
    expect(gs1CheckDigit('0030591036901')).toBe(9);
    expect(gs1CheckDigit('1234567890123')).toBe(1);
  });

  it('reads the NDC-10 in digits 4-13 of an NDC-based GTIN-14', () => {
    expect(ndc10FromGtin('00305910369019')).toEqual({ gtin14: '00305910369019', ndc10: '0591036901' });
    // the same GTIN as a 12-digit UPC-A (3 + NDC-10 + check) is the same GTIN, padded
    expect(ndc10FromGtin('305910369019')).toEqual({ gtin14: '00305910369019', ndc10: '0591036901' });
    // an indicator digit (case pack) keeps the NDC in the same place: 5 0 3 0591036901 → check by hand:
    // 1·3+0+9·3+6+3·3+0+1·3+9+5·3+0+3·3+0+5·3 = 96 → 4
    expect(ndc10FromGtin('50305910369014').ndc10).toBe('0591036901');
    expect(gtinFromNdc10('0591036901')).toBe('00305910369019');
  });

  it('refuses a wrong check digit, a non-NDC GTIN and bad lengths, naming the field', () => {
    expect(() => ndc10FromGtin('00305910369018', 'barcode')).toThrow(/check digit 8; the digits before it give 9/);
    expect(() => ndc10FromGtin('12345678901231')).toThrow(GtinError);
    expect(() => ndc10FromGtin('12345678901231')).toThrow(/does not carry an NDC/);
    expect(() => parseGtin('12345678901231')).not.toThrow();
    expect(() => parseGtin('0030591036901')).toThrow(/check digit/);
    expect(() => parseGtin('003059103690')).toThrow(/check digit/);
    expect(() => parseGtin('00305910369')).toThrow(/8, 12, 13 or 14 digits/);
    try {
      parseGtin('abc', 'gtin');
    } catch (e) {
      expect((e as GtinError).field).toBe('gtin');
      expect((e as GtinError).code).toBe('gtin_format');
    }
  });
});
