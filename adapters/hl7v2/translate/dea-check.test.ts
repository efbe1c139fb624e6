import { describe, expect, it } from 'vitest';
import { prescriberDeaCheck } from './dea-check.ts';

// Check digits computed by hand: digits 1, 3, 5 plus twice digits 2, 4, 6; the last digit of the sum.
describe('prescriberDeaCheck', () => {
  it('calls a well-formed number valid, whatever the schedule, and judges a hospital number by the number before its suffix', () => {
    expect(prescriberDeaCheck('AB1234563', 'II')).toBe('valid'); // 1+3+5 + 2×(2+4+6) = 33 → 3
    expect(prescriberDeaCheck('BJ6125341', 'NC')).toBe('valid'); // 6+2+3 + 2×(1+5+4) = 31 → 1
    expect(prescriberDeaCheck(' ab1234563 ', 'IV')).toBe('valid');
    expect(prescriberDeaCheck('AB1234563-017', 'II')).toBe('valid');
  });

  it('calls a wrong check digit, an unknown registrant type or another shape invalid', () => {
    expect(prescriberDeaCheck('AB1234564', 'II')).toBe('invalid');
    expect(prescriberDeaCheck('ZB1234563', 'II')).toBe('invalid');
    expect(prescriberDeaCheck('12345', 'III')).toBe('invalid');
    expect(prescriberDeaCheck('AB1234564-017', 'NC')).toBe('invalid');
  });

  it('calls a controlled drug without a number missing, and says nothing otherwise', () => {
    for (const schedule of ['II', 'III', 'IV', 'V'] as const) expect(prescriberDeaCheck(undefined, schedule)).toBe('missing');
    expect(prescriberDeaCheck('  ', 'II')).toBe('missing');
    expect(prescriberDeaCheck(undefined, 'NC')).toBeUndefined();
    expect(prescriberDeaCheck(undefined, 'UNMAPPED')).toBeUndefined();
    expect(prescriberDeaCheck(undefined, undefined)).toBeUndefined();
  });
});
