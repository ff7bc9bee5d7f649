/** The one table `npm run bench` prints at the end: every bench's result lines, in run order (markdown). */
import type { BenchResult } from './result.ts';

const number = (n: number) =>
  Math.abs(n) >= 100
    ? Math.round(n).toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumSignificantDigits: 3 });

export function resultTable(rows: { bench: string; result: BenchResult }[]): string[] {
  const lines = [
    '| bench | measure | ours | baseline | ratio | goal | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { bench, result: r } of rows) {
    const met = r.met === null ? '–' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${bench} | ${r.measure} | ${number(r.ours)} ${r.unit} | ${r.baseline === null ? '–' : `${number(r.baseline)} ${r.unit}`} | ${r.ratio === null ? '–' : r.ratio.toFixed(2)} | ${r.goal ?? '–'} | ${met} |`,
    );
  }
  return lines;
}
