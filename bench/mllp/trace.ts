import type { FullCollectionStep } from './gc-totals.ts';
import { round } from './stats.ts';

/**
 * What `run.ts --trace DIR` leaves for each case, and the reading of it: which answers were slow, in which bursts,
 * and whether a burst began with a full garbage collection of the receiver.
 */
export interface CaseTrace {
  sender: string;
  receiver: string;
  connections: number;
  messages: number;
  target_msgs_per_s?: number;
  /** epoch ms when the case began */
  started_at_ms: number;
  /** per message: ms since started_at_ms when its latency began (paced: when it was due) */
  latency_starts_ms: number[];
  latencies_ms: number[];
  /** the receiver's full-collection steps during the case (epoch ms) */
  full_collections: FullCollectionStep[];
}

export interface SlowEpisode {
  /** s since the case began */
  begins_s: number;
  answers: number;
  longest_ms: number;
  /** from the first slow answer's start to the last one's */
  spans_ms: number;
  /** the full-collection step that began nearest before the burst (or just after its first answer began) */
  collection?: { step: FullCollectionStep['step']; ms_before: number; pause_ms: number };
}

export interface EpisodeOptions {
  /** an answer slower than this is slow */
  overMs: number;
  /** slow answers whose starts lie closer than this form one burst */
  gapMs?: number;
  /** how long before a burst a collection may begin and still be counted as its start */
  lookbackMs?: number;
}

/** A collection this long after a burst's first answer began still shares its cause: that answer was still waiting. */
const LOOKAHEAD_MS = 10;

export function slowEpisodes(trace: CaseTrace, options: EpisodeOptions): SlowEpisode[] {
  const gapMs = options.gapMs ?? 50;
  const lookbackMs = options.lookbackMs ?? 100;
  const slow = trace.latencies_ms
    .map((latency, i) => ({ latency, start: trace.latency_starts_ms[i]! }))
    .filter((a) => a.latency > options.overMs)
    .sort((a, b) => a.start - b.start);
  const episodes: SlowEpisode[] = [];
  let current: SlowEpisode | undefined;
  for (const answer of slow) {
    const beginsMs = current ? current.begins_s * 1000 : 0;
    if (!current || answer.start - (beginsMs + current.spans_ms) > gapMs) {
      current = { begins_s: answer.start / 1000, answers: 0, longest_ms: 0, spans_ms: 0 };
      episodes.push(current);
    }
    current.answers += 1;
    current.longest_ms = Math.max(current.longest_ms, answer.latency);
    current.spans_ms = answer.start - current.begins_s * 1000;
  }
  for (const episode of episodes) {
    const begins = trace.started_at_ms + episode.begins_s * 1000;
    let nearest: FullCollectionStep | undefined;
    for (const c of trace.full_collections) {
      if (c.at_ms < begins - lookbackMs || c.at_ms > begins + LOOKAHEAD_MS) continue;
      if (!nearest || Math.abs(begins - c.at_ms) < Math.abs(begins - nearest.at_ms)) nearest = c;
    }
    if (nearest) episode.collection = { step: nearest.step, ms_before: round(begins - nearest.at_ms, 1), pause_ms: round(nearest.pause_ms, 1) };
    episode.begins_s = round(episode.begins_s, 3);
    episode.longest_ms = round(episode.longest_ms, 1);
    episode.spans_ms = round(episode.spans_ms, 1);
  }
  return episodes;
}
