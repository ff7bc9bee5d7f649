export type LatencySummary = { p50: number; p99: number; mean: number };

/** Percentiles (nearest rank) and mean of latency samples in milliseconds. */
export function summarise(samples: number[]): LatencySummary {
  if (samples.length === 0) return { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}
