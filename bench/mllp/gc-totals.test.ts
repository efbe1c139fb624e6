import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { gcBetween, watchGc } from './gc-totals.ts';

describe('gc totals', () => {
  it('counts the collections that allocation causes', async () => {
    const { totals } = watchGc();
    const before = totals();
    let keep: unknown[] = [];
    for (let i = 0; i < 2_000_000; i++) {
      keep.push({ i, text: `object ${i}` });
      if (keep.length > 10_000) keep = [];
    }
    // Observers are told after the collection, on a later turn — later still on a machine busy with other tests.
    for (let waited = 0; totals().minor === before.minor && waited < 5_000; waited += 25) await sleep(25);
    const during = gcBetween(before, totals());
    expect(during.minor).toBeGreaterThan(0);
    expect(during.minor_ms).toBeGreaterThan(0);
  });

  it('keeps each full collection with when it began', async () => {
    const watch = watchGc();
    const since = Date.now();
    // A full collection on demand: V8 decides its own by heap limits, which other tests in this process may have raised.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    // Observers are told after the collection, on a later turn — later still on a machine busy with other tests.
    let steps = watch.fullCollectionsSince(since);
    for (let waited = 0; !steps.some((s) => s.step === 'mark-compact') && waited < 5_000; waited += 25) {
      await sleep(25);
      steps = watch.fullCollectionsSince(since);
    }
    expect(steps.some((s) => s.step === 'mark-compact')).toBe(true);
    for (const s of steps) {
      expect(s.at_ms).toBeGreaterThanOrEqual(since - 1);
      expect(s.at_ms).toBeLessThanOrEqual(Date.now());
      expect(s.pause_ms).toBeGreaterThanOrEqual(0);
    }
    expect(watch.fullCollectionsSince(Date.now() + 1000)).toEqual([]);
  });

  it('subtracts two snapshots and rounds the pauses to a tenth of a millisecond', () => {
    expect(gcBetween({ major: 1, major_ms: 3.01, minor: 10, minor_ms: 12.5 }, { major: 3, major_ms: 20.27, minor: 15, minor_ms: 14.04 })).toEqual({
      major: 2,
      major_ms: 17.3,
      minor: 5,
      minor_ms: 1.5,
    });
  });
});
