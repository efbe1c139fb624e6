import { describe, expect, it } from 'vitest';
import { delayBeforeAttempt, retryPolicy } from './backoff.ts';

describe('delayBeforeAttempt', () => {
  it('waits nothing before the first attempt, then doubles up to the cap', () => {
    const policy = retryPolicy({ attempts: 8, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000 });
    expect(Array.from({ length: 8 }, (_, i) => delayBeforeAttempt(policy, i + 1))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('supports a constant delay', () => {
    const policy = retryPolicy({ initialDelayMs: 50, multiplier: 1 });
    expect([2, 3, 4].map((n) => delayBeforeAttempt(policy, n))).toEqual([50, 50, 50]);
  });
});

describe('retryPolicy', () => {
  it('fills defaults and refuses nonsense', () => {
    expect(retryPolicy()).toEqual({ attempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000 });
    expect(() => retryPolicy({ attempts: 0 })).toThrow(/attempts/);
    expect(() => retryPolicy({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => retryPolicy({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
  });
});
