import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { patientToken } from './token.ts';

const key = Buffer.alloc(32, 7);

describe('patient tokens', () => {
  it('is HMAC-SHA256 over length-prefixed authority, type and value', () => {
    const expected = createHmac('sha256', key).update('4:HOSP|2:MR|6:123456|').digest('hex');
    expect(patientToken(key, { authority: 'HOSP', type: 'MR', value: '123456' })).toBe(`pt_${expected}`);
  });

  it('gives one patient one token, whatever the case of the authority or stray spaces', () => {
    const a = patientToken(key, { authority: 'hosp', type: 'mr', value: ' 123456 ' });
    expect(a).toBe(patientToken(key, { authority: 'HOSP', type: 'MR', value: '123456' }));
  });

  it('separates authorities, types, values and keys', () => {
    const base = patientToken(key, { authority: 'HOSP', type: 'MR', value: '123456' });
    expect(patientToken(key, { authority: 'CLINIC', type: 'MR', value: '123456' })).not.toBe(base);
    expect(patientToken(key, { authority: 'HOSP', type: 'SS', value: '123456' })).not.toBe(base);
    expect(patientToken(key, { authority: 'HOSP', type: 'MR', value: '123457' })).not.toBe(base);
    expect(patientToken(Buffer.alloc(32, 8), { authority: 'HOSP', type: 'MR', value: '123456' })).not.toBe(base);
    expect(patientToken(key, { authority: 'A|B', type: '', value: 'C' })).not.toBe(patientToken(key, { authority: 'A', type: 'B|', value: 'C' }));
  });

  it('never contains the identifier', () => {
    expect(patientToken(key, { authority: 'HOSP', type: 'MR', value: '123456' })).toMatch(/^pt_[0-9a-f]{64}$/);
  });
});
