import { describe, expect, it } from 'vitest';
import { percentilesByWindow, slope, stageMeansMs } from './stats.ts';

describe('stageMeansMs', () => {
  it('gives the mean of each stage between two snapshots, in milliseconds', () => {
    const before = { publish: { count: 10, sum_s: 0.01 }, prepare: { count: 10, sum_s: 0.002 } };
    const after = { publish: { count: 30, sum_s: 0.05 }, prepare: { count: 10, sum_s: 0.002 }, ack_point: { count: 4, sum_s: 0.006 } };
    // publish: 0.04 s over 20 observations; prepare: none in between; ack_point: new since the first snapshot
    expect(stageMeansMs(before, after)).toEqual({ publish: 2, ack_point: 1.5 });
  });
});

describe('slope', () => {
  it('is the least-squares growth of y per unit of x', () => {
    // y = 3 + 2x exactly, then with the middle point off by +1 and -1 (symmetric, so the fit keeps its slope)
    expect(slope([{ x: 0, y: 3 }, { x: 1, y: 5 }, { x: 2, y: 7 }])).toBe(2);
    expect(slope([{ x: 0, y: 3 }, { x: 1, y: 6 }, { x: 1, y: 4 }, { x: 2, y: 7 }])).toBe(2);
    // flat: the heap did not grow
    expect(slope([{ x: 0, y: 40 }, { x: 100, y: 40 }])).toBe(0);
  });

  it('is NaN without two distinct x', () => {
    expect(slope([{ x: 1, y: 1 }])).toBeNaN();
    expect(slope([{ x: 1, y: 1 }, { x: 1, y: 5 }])).toBeNaN();
  });
});

describe('percentilesByWindow', () => {
  it('groups latencies by the window their message was due in, in window order', () => {
    // due at 0.5 s, 1.2 s, 0.1 s, 2.9 s with a 1 s window: windows 0 (two messages), 1 and 2
    const starts = Float64Array.from([500, 1200, 100, 2900]);
    const latencies = Float64Array.from([4, 9, 2, 7]);
    expect(percentilesByWindow(starts, latencies, 1000)).toEqual([
      { window: 0, messages: 2, p50_ms: 2, p99_ms: 4 },
      { window: 1, messages: 1, p50_ms: 9, p99_ms: 9 },
      { window: 2, messages: 1, p50_ms: 7, p99_ms: 7 },
    ]);
  });
});
