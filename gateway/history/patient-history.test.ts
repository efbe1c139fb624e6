import { describe, expect, it } from 'vitest';
import { mergedInto, tokenOf } from './patient-history.ts';
import { encounterToken, patientToken } from '../phi/token.ts';

/** `prior → survivor` pairs, as the patients mapping table records merges. */
const merges = (pairs: [string, string][]) => async (token: string) => pairs.filter(([, into]) => into === token).map(([prior]) => prior);

describe('mergedInto', () => {
  it('follows merges of merges: A into B, then B into C gives C both', async () => {
    expect(await mergedInto(merges([['A', 'B'], ['B', 'C'], ['X', 'Y']]), 'C')).toEqual(['B', 'A']);
    expect(await mergedInto(merges([['A', 'B'], ['B', 'C']]), 'B')).toEqual(['A']);
    expect(await mergedInto(merges([['A', 'B']]), 'A')).toEqual([]);
  });

  it('takes each token once, however the records loop, and stops at 100', async () => {
    expect(await mergedInto(merges([['A', 'B'], ['B', 'A'], ['C', 'B']]), 'B')).toEqual(['A', 'C']);
    const many = Array.from({ length: 150 }, (_, i) => [`P${i}`, 'S'] as [string, string]);
    expect(await mergedInto(merges(many), 'S')).toHaveLength(100);
  });
});

describe('tokenOf', () => {
  it('gives the tokens the translators put on events: a patient identifier as is, a visit number without a type as VN', () => {
    const key = Buffer.alloc(32, 9);
    expect(tokenOf(key, 'patient', { authority: 'HOSP', type: 'MR', value: 'M1' })).toBe(patientToken(key, { authority: 'HOSP', type: 'MR', value: 'M1' }));
    expect(tokenOf(key, 'encounter', { authority: 'HOSP', type: '', value: 'V1' })).toBe(encounterToken(key, { authority: 'HOSP', type: 'VN', value: 'V1' }));
  });
});
