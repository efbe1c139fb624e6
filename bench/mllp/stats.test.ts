import { describe, expect, it } from 'vitest';
import { stageMeansMs } from './stats.ts';

describe('stageMeansMs', () => {
  it('gives the mean of each stage between two snapshots, in milliseconds', () => {
    const before = { publish: { count: 10, sum_s: 0.01 }, prepare: { count: 10, sum_s: 0.002 } };
    const after = { publish: { count: 30, sum_s: 0.05 }, prepare: { count: 10, sum_s: 0.002 }, ack_point: { count: 4, sum_s: 0.006 } };
    // publish: 0.04 s over 20 observations; prepare: none in between; ack_point: new since the first snapshot
    expect(stageMeansMs(before, after)).toEqual({ publish: 2, ack_point: 1.5 });
  });
});
