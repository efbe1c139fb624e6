import { constants, PerformanceObserver } from 'node:perf_hooks';

/**
 * Garbage collections of this process since it started, by kind, with their main-thread pause in total. A receiver
 * reports these with its stage totals; the benchmark prints what happened during a case (`gc` on the JSON line),
 * since full collections are what the tail of a paced case was traced to.
 */
export interface GcTotals {
  major: number;
  major_ms: number;
  minor: number;
  minor_ms: number;
}

export function watchGc(): () => GcTotals {
  const totals: GcTotals = { major: 0, major_ms: 0, minor: 0, minor_ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        totals.major += 1;
        totals.major_ms += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        totals.minor += 1;
        totals.minor_ms += entry.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => ({ ...totals });
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
