import { constants, PerformanceObserver } from 'node:perf_hooks';

/**
 * Garbage collections of this process since it started, by kind, with their main-thread pause in total. A receiver
 * reports these with its stage totals; the benchmark prints what happened during a case (`gc` on the JSON line),
 * since full collections are what the tail of a paced case was traced to. The full collections are also kept one
 * by one, with when they happened, so that `run.ts --trace` can set them beside the slow answers (tail.ts).
 */
export interface GcTotals {
  major: number;
  major_ms: number;
  minor: number;
  minor_ms: number;
}

/** One step of a full collection: V8's incremental marking, or the mark-compact that finishes it. */
export interface FullCollectionStep {
  /** epoch milliseconds */
  at_ms: number;
  pause_ms: number;
  step: 'marking' | 'mark-compact';
}

export interface GcWatch {
  totals(): GcTotals;
  /** full-collection steps that began at or after `sinceMs` (epoch ms); the last KEPT_STEPS are kept */
  fullCollectionsSince(sinceMs: number): FullCollectionStep[];
}

const KEPT_STEPS = 2000;

export function watchGc(): GcWatch {
  const totals: GcTotals = { major: 0, major_ms: 0, minor: 0, minor_ms: 0 };
  const steps: FullCollectionStep[] = [];
  const keep = (entry: PerformanceEntry, step: FullCollectionStep['step']) => {
    // In Date.now()'s clock, which the benchmark's other processes share: timeOrigin + startTime drifts from it by
    // milliseconds as the system clock is slewed, so the entry's age is taken from the wall clock now.
    steps.push({ at_ms: Date.now() - (performance.now() - entry.startTime), pause_ms: entry.duration, step });
    if (steps.length > KEPT_STEPS) steps.splice(0, steps.length - KEPT_STEPS);
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        totals.major += 1;
        totals.major_ms += entry.duration;
        keep(entry, 'mark-compact');
      } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        totals.minor += 1;
        totals.minor_ms += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) {
        keep(entry, 'marking');
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    totals: () => ({ ...totals }),
    fullCollectionsSince: (sinceMs) => steps.filter((s) => s.at_ms >= sinceMs),
  };
}

/** What happened between two snapshots, pauses rounded to 0.1 ms. */
export function gcBetween(before: GcTotals, after: GcTotals): GcTotals {
  const tenth = (ms: number) => Math.round(ms * 10) / 10;
  return {
    major: after.major - before.major,
    major_ms: tenth(after.major_ms - before.major_ms),
    minor: after.minor - before.minor,
    minor_ms: tenth(after.minor_ms - before.minor_ms),
  };
}
