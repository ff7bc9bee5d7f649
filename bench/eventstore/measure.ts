/** One measured run: throughput, latency percentiles (ms) and the client's own CPU per operation. */
export type LevelResult = {
  concurrency: number;
  operations: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Node's own CPU per operation (user + system), µs: the client-side share of the cost. */
  cpuMicros: number;
  samples: number[];
};

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Runs `operation` from `concurrency` workers for `durationMs`; each worker passes its own running counter
 * so operations can target distinct streams.
 */
export async function runLevel(
  concurrency: number,
  durationMs: number,
  operation: (worker: number, n: number) => Promise<unknown>,
): Promise<LevelResult> {
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now();
        await operation(worker, n);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return summarise(concurrency, samples, seconds, (used.user + used.system) / samples.length);
}

function summarise(concurrency: number, samples: number[], seconds: number, cpuMicros: number): LevelResult {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    concurrency,
    operations: samples.length,
    seconds,
    perSecond: samples.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuMicros,
    samples,
  };
}

/** Sums rounds of one level measured at different times, so drift in machine load hits both sides alike. */
export function combine(rounds: LevelResult[]): LevelResult {
  const operations = rounds.reduce((n, r) => n + r.operations, 0);
  return summarise(
    rounds[0]!.concurrency,
    rounds.flatMap((r) => r.samples),
    rounds.reduce((n, r) => n + r.seconds, 0),
    rounds.reduce((n, r) => n + r.cpuMicros * r.operations, 0) / operations,
  );
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
