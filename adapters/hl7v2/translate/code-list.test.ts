import { describe, expect, it } from 'vitest';
import { CodeList } from './code-list.ts';

describe('CodeList', () => {
  it('takes whole codes exactly and prefixes written with a trailing *', () => {
    const list = new CodeList(['2160-0', 'N18*', 'Most Current Weight']);
    expect(['2160-0', 'N18', 'N18.4', 'N184', 'Most Current Weight'].map((c) => list.has(c))).toEqual([true, true, true, true, true]);
    // a whole code is not a prefix, and a prefix matches only at the start
    expect(['2160-01', '2160', 'N17.9', 'AN18', 'Most Current'].map((c) => list.has(c))).toEqual([false, false, false, false, false]);
    expect(list.entries()).toEqual(['2160-0', 'Most Current Weight', 'N18*']);
  });

  it('with `*` alone takes every code, and with nothing listed none', () => {
    expect(new CodeList(['*']).has('anything')).toBe(true);
    expect(new CodeList([]).has('2160-0')).toBe(false);
  });
});
