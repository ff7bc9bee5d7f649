/**
 * `npm run bench -- --quick` (or without --quick: each bench's own defaults): runs the benches one after
 * another, each in its own process as its npm script runs it, and prints each one's ratio lines (the
 * absolute figures and the ratio, as the bench prints them) under its name, then one table of every
 * bench's BENCH_RESULT lines (bench/result.ts: measure, ours, baseline, ratio, goal, met) with the load
 * average at the start and the end. Quick mode shrinks the runs to fit about 10 minutes in all; each
 * bench's full log is kept in a temporary folder.
 *   npm run bench -- --quick [--only name,name] [--timeout-s 150]
 * The Kafka bench runs only when KAFKA_BROKERS is set (the local broker: npm run kafka:start).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchResult, parseResult, RESULT_PREFIX } from './result.ts';
import { resultTable } from './result-table.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'timeout-s': { type: 'string' },
  },
});
const quick = values.quick ?? false;
const timeoutMs = Number(values['timeout-s'] ?? (quick ? 150 : 3600)) * 1000;

type Bench = {
  name: string;
  script: string;
  quick: { args?: string[]; env?: Record<string, string> };
  /** The lines of its output that carry its figures (absolute ones and ratios). */
  figures: RegExp;
};
const benches: Bench[] = [
  {
    name: 'command-latency',
    script: 'bench:command-latency',
    quick: { args: ['--commands', '200', '--cold', '3'] },
    figures: /ratio|snapshots|-event stream|first command/,
  },
  {
    name: 'eventstore',
    script: 'bench:eventstore',
    quick: { args: ['--events', '100000', '--seconds', '2'] },
    figures: /^\s+\d+( composed)? \||^concurrency|events\/s/,
  },
  {
    name: 'commands',
    script: 'bench:commands',
    quick: { env: { BENCH_DURATION_S: '5', BENCH_RAW_DURATION_S: '3' } },
    figures: /ratio|\/s|p99|per second/i,
  },
  {
    name: 'checkout',
    script: 'bench:checkout',
    quick: { env: { ROUNDS: '2', EXPIRY_COUNT: '1000', EXPIRY_WINDOW_SECONDS: '10' } },
    figures: /^\||release time/,
  },
  {
    name: 'replay',
    script: 'bench:replay',
    // 100,000: at 20,000 the rebuild's fixed start (about 0.4 s) was a third of the time.
    quick: { args: ['--events', '100000'] },
    figures: /^all |^RSS|goal/,
  },
  {
    name: 'queries',
    script: 'bench:queries',
    quick: { args: ['--products', '2000', '--seconds', '3', '--lag-seconds', '3', '--samples', '20'] },
    figures: /ratio|^listing|^search|lag/,
  },
  {
    name: 'catalog',
    script: 'bench:catalog',
    quick: { args: ['--quick'] },
    figures: /^listing|^search|^check/,
  },
  { name: 'privacy', script: 'bench:privacy', quick: { env: { BENCH_SECONDS: '3' } }, figures: /\/s|ratio/ },
  {
    name: 'privacy-replay',
    script: 'bench:privacy-replay',
    quick: { args: ['--orders', '3000'] },
    figures: /\/s|ratio|untimed/,
  },
  {
    name: 'pricing',
    script: 'bench:pricing',
    quick: { args: ['--seconds', '3'] },
    figures: /\/s|ratio|rules:/,
  },
  {
    name: 'kafka',
    script: 'bench:kafka',
    // 20,000: at 5,000 (five sends) the publisher's start was a large part of its time.
    quick: { args: ['--events', '20000', '--seconds', '5'] },
    figures: /ratio|events\/s|lag|goal/i,
  },
];

const only = values.only?.split(',');
const selected = benches.filter((b) => !only || only.includes(b.name));
const logs = mkdtempSync(join(tmpdir(), 'bench-'));

function run(
  bench: Bench,
): Promise<{ code: number | null; output: string; seconds: number; timedOut: boolean }> {
  const args = ['run', bench.script, '--', ...(quick ? (bench.quick.args ?? []) : [])];
  const env = { ...process.env, ...(quick ? bench.quick.env : {}) };
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npm', args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (performance.now() - started) / 1000, timedOut });
    });
  });
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const loadAtStart = load();
const startedAt = new Date().toISOString();
const summary: string[] = [];
const results: { bench: string; result: BenchResult }[] = [];
const missing: string[] = [];
for (const bench of selected) {
  if (bench.name === 'kafka' && !process.env.KAFKA_BROKERS) {
    summary.push(`## ${bench.name}: skipped (KAFKA_BROKERS is not set)`);
    missing.push(`${bench.name}: skipped (KAFKA_BROKERS is not set)`);
    continue;
  }
  process.stderr.write(`running ${bench.name}${quick ? ' (quick)' : ''}… `);
  const result = await run(bench);
  const log = join(logs, `${bench.name}.log`);
  writeFileSync(log, result.output);
  const status = result.timedOut ? 'timed out' : result.code === 0 ? 'ok' : `failed (exit ${result.code})`;
  process.stderr.write(`${status}, ${result.seconds.toFixed(0)} s\n`);
  const output = result.output.split('\n');
  const lines = output.filter(
    (line) =>
      bench.figures.test(line) &&
      !line.startsWith('{') &&
      !line.startsWith('>') &&
      !line.startsWith(RESULT_PREFIX),
  );
  summary.push(`## ${bench.name}: ${status} in ${result.seconds.toFixed(0)} s (log: ${log})`, ...lines);
  const found = output.flatMap((line) => parseResult(line) ?? []);
  results.push(...found.map((r) => ({ bench: bench.name, result: r })));
  if (status !== 'ok')
    missing.push(`${bench.name}: ${status} after ${result.seconds.toFixed(0)} s (log: ${log})`);
  else if (found.length === 0) missing.push(`${bench.name}: no result lines (log: ${log})`);
}
console.log(summary.join('\n'));
console.log('');
console.log(
  `## All benches, one run${quick ? ' (--quick)' : ''}: started ${startedAt}, Node ${process.version} ` +
    `(the README's runtime is Node 24), ${cpus().length} cores, ` +
    `load average (1/5/15 min) at the start ${loadAtStart}, at the end ${load()}`,
);
console.log('');
console.log(resultTable(results).join('\n'));
for (const line of missing) console.log(`- ${line}`);
