/**
 * The one machine-readable line a bench prints per measure, which `npm run bench` (bench/all.ts)
 * collects into its table: `BENCH_RESULT {"measure":…,"ours":…,"baseline":…,"unit":…,"ratio":…,
 * "goal":…,"met":…}` on stdout. The ratio is ours / baseline; the goal is checked against the ratio or
 * against ours (an absolute figure, such as a p99 in ms), as the issue states it.
 */
export const RESULT_PREFIX = 'BENCH_RESULT ';

export type Goal = { on: 'ratio' | 'ours'; op: '>=' | '<=' | '<'; value: number };

export type BenchResult = {
  measure: string;
  ours: number;
  baseline: number | null;
  unit: string;
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
};

const symbol = { '>=': '≥', '<=': '≤', '<': '<' } as const;
const round = (n: number) => Number(n.toPrecision(4));

export function resultOf(input: {
  measure: string;
  ours: number;
  baseline?: number;
  unit: string;
  goal?: Goal;
}): BenchResult {
  const { measure, ours, baseline, unit, goal } = input;
  const ratio = baseline !== undefined && baseline !== 0 ? ours / baseline : null;
  let met: boolean | null = null;
  let goalText: string | null = null;
  if (goal) {
    const value = goal.on === 'ratio' ? ratio : ours;
    goalText = `${goal.on === 'ratio' ? 'ratio ' : ''}${symbol[goal.op]} ${goal.value}${goal.on === 'ours' ? ` ${unit}` : ''}`;
    if (value !== null && Number.isFinite(value))
      met =
        goal.op === '>=' ? value >= goal.value : goal.op === '<=' ? value <= goal.value : value < goal.value;
  }
  return {
    measure,
    ours: round(ours),
    baseline: baseline === undefined ? null : round(baseline),
    unit,
    ratio: ratio === null ? null : round(ratio),
    goal: goalText,
    met,
  };
}

/** Prints the measure's result line; each bench keeps its own human-readable lines besides. */
export function reportResult(input: Parameters<typeof resultOf>[0]): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(resultOf(input))}\n`);
}

/** The result in a line of a bench's output, or undefined when the line is not a result line. */
export function parseResult(line: string): BenchResult | undefined {
  if (!line.startsWith(RESULT_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
  } catch {
    return undefined;
  }
}
