import { describe, expect, it } from 'vitest';
import { delayBeforeAttempt, retryPolicy } from './backoff.ts';

const longest = () => 0;

describe('delayBeforeAttempt', () => {
  it('waits nothing before the first attempt, then doubles up to the cap', () => {
    const policy = retryPolicy({ attempts: 8, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000 });
    expect(Array.from({ length: 8 }, (_, i) => delayBeforeAttempt(policy, i + 1, longest))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('supports a constant delay', () => {
    const policy = retryPolicy({ initialDelayMs: 50, multiplier: 1 });
    expect([2, 3, 4].map((n) => delayBeforeAttempt(policy, n, longest))).toEqual([50, 50, 50]);
  });

  it('takes the random share off each wait: by default up to half of it', () => {
    const policy = retryPolicy({ initialDelayMs: 1000, multiplier: 2 });
    // 2,000 ms before the third attempt, less jitter (0.5) × random: 0.5 → 1,500 ms; just under 1 → just over 1,000 ms
    expect(delayBeforeAttempt(policy, 3, () => 0.5)).toBe(1500);
    expect(delayBeforeAttempt(policy, 3, () => 0.999)).toBe(1001);
    expect(delayBeforeAttempt(retryPolicy({ jitter: 0 }), 3, () => 0.9)).toBe(2000);
    expect(delayBeforeAttempt(policy, 1, () => 0.5)).toBe(0);
  });
});

describe('retryPolicy', () => {
  it('fills defaults and refuses nonsense', () => {
    expect(retryPolicy()).toEqual({ attempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.5 });
    expect(() => retryPolicy({ jitter: 1.5 })).toThrow(/jitter/);
    expect(() => retryPolicy({ attempts: 0 })).toThrow(/attempts/);
    expect(() => retryPolicy({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => retryPolicy({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
  });
});
