import { describe, expect, it } from 'vitest';
import { slowEpisodes, type CaseTrace } from './trace.ts';

/** A paced case by hand: one message a millisecond from epoch ms 1,000,000, all answered in 2 ms but two bursts. */
function trace(): CaseTrace {
  const latencies = Array.from({ length: 1000 }, () => 2);
  // burst 1: messages 100-104 slow, a mark-compact began 30 ms before the first of them
  for (let n = 100; n <= 104; n++) latencies[n] = 25 - (n - 100);
  // burst 2: messages 600 and 640 slow (40 ms apart: one burst), nothing collected near them
  latencies[600] = 15;
  latencies[640] = 12;
  // a lone slow answer far from both
  latencies[900] = 11;
  return {
    sender: 'node:net',
    receiver: 'rxgate',
    connections: 8,
    messages: 1000,
    target_msgs_per_s: 1000,
    started_at_ms: 1_000_000,
    latency_starts_ms: latencies.map((_, n) => n),
    latencies_ms: latencies,
    full_collections: [
      { at_ms: 1_000_070, pause_ms: 0.5, step: 'marking' },
      { at_ms: 1_000_090, pause_ms: 3.2, step: 'mark-compact' },
      { at_ms: 1_000_300, pause_ms: 2, step: 'mark-compact' },
    ],
  };
}

describe('slowEpisodes', () => {
  it('groups slow answers into bursts and names the collection that began just before each', () => {
    expect(slowEpisodes(trace(), { overMs: 10 })).toEqual([
      { begins_s: 0.1, answers: 5, longest_ms: 25, spans_ms: 4, collection: { step: 'mark-compact', ms_before: 10, pause_ms: 3.2 } },
      { begins_s: 0.6, answers: 2, longest_ms: 15, spans_ms: 40 },
      { begins_s: 0.9, answers: 1, longest_ms: 11, spans_ms: 0 },
    ]);
  });

  it('splits a burst where slow answers lie further apart than the gap, and looks back only as far as asked', () => {
    const episodes = slowEpisodes(trace(), { overMs: 10, gapMs: 20, lookbackMs: 5 });
    expect(episodes.map((e) => [e.begins_s, e.answers])).toEqual([
      [0.1, 5],
      [0.6, 1],
      [0.64, 1],
      [0.9, 1],
    ]);
    expect(episodes.every((e) => e.collection === undefined)).toBe(true);
  });

  it('finds no burst when nothing is over the threshold', () => {
    expect(slowEpisodes(trace(), { overMs: 30 })).toEqual([]);
  });
});
