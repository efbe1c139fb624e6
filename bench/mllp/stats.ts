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

/**
 * Least-squares slope of y over x: how fast a quantity grows with another (the live heap with messages handled).
 * NaN for fewer than two points or when every x is the same.
 */
export function slope(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const meanX = points.reduce((s, p) => s + p.x, 0) / points.length;
  const meanY = points.reduce((s, p) => s + p.y, 0) / points.length;
  let covariance = 0;
  let varianceX = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    varianceX += (p.x - meanX) ** 2;
  }
  return varianceX === 0 ? Number.NaN : covariance / varianceX;
}

/**
 * p50 and p99 of the latencies whose messages were due in each window of `windowMs` (by their start, ms since the
 * run began): whether answers slow down as a long run goes on. Windows without a message are left out.
 */
export function percentilesByWindow(
  starts: Float64Array,
  latencies: Float64Array,
  windowMs: number,
): { window: number; messages: number; p50_ms: number; p99_ms: number }[] {
  const windows = new Map<number, number[]>();
  for (let i = 0; i < starts.length; i++) {
    const w = Math.floor(starts[i]! / windowMs);
    const list = windows.get(w) ?? [];
    list.push(latencies[i]!);
    windows.set(w, list);
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([window, list]) => {
      const sorted = Float64Array.from(list).sort();
      return { window, messages: list.length, p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) };
    });
}
