/**
 * Command latency on a 10-event vs a 100,000-event stream, through the one command handler on the store
 * composed as bin/start composes it (hash chain, personal data, tracing; the npm script loads the
 * OpenTelemetry SDK as `npm start` does).
 * 1. Warm: `--commands` commands on each stream, interleaved. Goal (issue 3): ratio <= 1.2.
 * 2. First command on the long stream, from a fresh handler and a freshly composed store (a restarted
 *    process), without and with snapshots, alternated `--cold` times. Goal (issue 18): < 100 ms.
 *   npm run bench:command-latency [-- --events 100000 --commands 1000 --cold 5 --every 500]
 */
import { parseArgs } from 'node:util';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Snapshots } from '../../infra/snapshots/snapshots.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { reportResult } from '../result.ts';
import { composedWorld, counter, fill } from './composed.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    commands: { type: 'string', default: '1000' },
    cold: { type: 'string', default: '5' },
    every: { type: 'string', default: '500' },
  },
});
const longLength = Number(values.events);
const commands = Number(values.commands);
const coldRuns = Number(values.cold);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const ms = (n: number) => `${n.toFixed(2)} ms`;
const metadata = { correlation_id: 'bench' };

const database = await createTestDatabase('bench_stream_length');
const world = await composedWorld(database.url, Number(values.every));
try {
  const store = world.store();
  process.stdout.write(`filling a ${longLength}-event stream and a 10-event stream… `);
  await fill(store, 'counter-long', longLength);
  await fill(store, 'counter-short', 10);
  console.log('done');

  const timeOne = async (
    handler: ReturnType<typeof createCommandHandler>,
    stream: string,
  ): Promise<number> => {
    const started = performance.now();
    await handler.handle({
      decider: counter,
      stream,
      command: { type: 'Increment', data: { by: 1 } },
      metadata,
    });
    return performance.now() - started;
  };
  const freshHandler = (on: EventStore, snapshots?: Snapshots) =>
    createCommandHandler({ store: on, cacheSize: 100, ...(snapshots ? { snapshots } : {}) });

  // 1. Warm: the handler's state cache makes a command's cost independent of the stream's length.
  const handler = freshHandler(store);
  const coldLong = await timeOne(handler, 'counter-long');
  const coldShort = await timeOne(handler, 'counter-short');
  const short: number[] = [];
  const long: number[] = [];
  for (let i = 0; i < commands; i++) {
    short.push(await timeOne(handler, 'counter-short'));
    long.push(await timeOne(handler, 'counter-long'));
  }
  short.sort((a, b) => a - b);
  long.sort((a, b) => a - b);
  console.log(
    `first command (cold load, no snapshots): 10 events ${ms(coldShort)}, ${longLength} events ${ms(coldLong)}`,
  );
  console.log(`warm, ${commands} commands each:`);
  console.log(`  10-event stream      p50 ${ms(percentile(short, 0.5))}  p99 ${ms(percentile(short, 0.99))}`);
  console.log(
    `  ${longLength}-event stream  p50 ${ms(percentile(long, 0.5))}  p99 ${ms(percentile(long, 0.99))}`,
  );
  const p50Ratio = percentile(long, 0.5) / percentile(short, 0.5);
  const p99Ratio = percentile(long, 0.99) / percentile(short, 0.99);
  console.log(`  ratio long/short     p50 ${p50Ratio.toFixed(2)}  p99 ${p99Ratio.toFixed(2)}  (goal <= 1.2)`);
  reportResult({
    measure: `warm command p99, ${longLength}-event vs 10-event stream`,
    ours: percentile(long, 0.99),
    baseline: percentile(short, 0.99),
    unit: 'ms',
    goal: { on: 'ratio', op: '<=', value: 1.2 },
  });

  // 2. First command after a restart. The snapshot is primed once, as the first snapshotted load of a
  // long stream does in production (it folds the whole stream once and writes the snapshot).
  const primer = world.snapshots();
  await timeOne(freshHandler(world.store(), primer), 'counter-long');
  await primer.flush();
  const without: number[] = [];
  const withSnapshots: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    without.push(await timeOne(freshHandler(world.store()), 'counter-long'));
    const snapshots = world.snapshots();
    withSnapshots.push(await timeOne(freshHandler(world.store(), snapshots), 'counter-long'));
    await snapshots.flush();
  }
  const a = median(without);
  const b = median(withSnapshots);
  console.log(`first command on a ${longLength}-event stream, fresh process state, median of ${coldRuns}:`);
  console.log(`  without snapshots  ${ms(a)}  (runs: ${without.map((t) => t.toFixed(1)).join(', ')})`);
  console.log(`  with snapshots     ${ms(b)}  (runs: ${withSnapshots.map((t) => t.toFixed(1)).join(', ')})`);
  console.log(
    `  ratio with/without ${(b / a).toFixed(3)}  speed-up ${(a / b).toFixed(1)}×  (goal: with < 100 ms)`,
  );
  reportResult({
    measure: `first command on a ${longLength}-event stream, snapshots vs none`,
    ours: b,
    baseline: a,
    unit: 'ms',
    goal: { on: 'ours', op: '<', value: 100 },
  });
} finally {
  await world.close();
  await database.drop();
}
