import { describe, expect, it } from 'vitest';
import { errorText } from './consumer.ts';

describe('errorText', () => {
  it('names the error and keeps its message', () => {
    expect(errorText(new TypeError('bad value'))).toBe('TypeError: bad value');
    expect(errorText('plain')).toBe('plain');
  });

  it("gives a failed query's driver message instead of the SQL and its parameters", () => {
    const driver = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const wrapped = new Error('Failed query: insert into "ledger" (chain, seq) select …\nparams: [{"id":"e1"}]', { cause: driver });
    expect(errorText(wrapped)).toBe('Error: query failed: terminating connection due to administrator command');
  });

  it('is at most 2,000 characters', () => {
    expect(errorText(new Error('x'.repeat(5000)))).toHaveLength(2000);
  });
});
