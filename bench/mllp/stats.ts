/** Nearest-rank percentile of latencies, in place-sorted order. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** The middle value (the upper one of the two middles for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Running totals of a timed stage (a histogram's sum and count), as a receiver reports them. */
export type StageTotals = Record<string, { count: number; sum_s: number }>;

/** The mean of each stage between two snapshots, in milliseconds; stages with no observation in between are left out. */
export function stageMeansMs(before: StageTotals, after: StageTotals): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [stage, total] of Object.entries(after)) {
    const count = total.count - (before[stage]?.count ?? 0);
    if (count > 0) means[stage] = round(((total.sum_s - (before[stage]?.sum_s ?? 0)) / count) * 1000, 3);
  }
  return means;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
