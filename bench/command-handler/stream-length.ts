/**
 * Command latency on a 10-event stream vs a 100,000-event stream, through the one command handler
 * on the PostgreSQL store. Goal (issue 3): ratio <= 1.2, i.e. cost does not grow with stream length.
 *   npm run bench:command-latency [-- --events 100000 --commands 1000]
 */
import { parseArgs } from 'node:util';
import type { Decider } from '../../domain/shared/decider.ts';
import { createCommandHandler } from '../../infra/commands/command-handler.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, commands: { type: 'string', default: '1000' } },
});
const longLength = Number(values.events);
const commands = Number(values.commands);

type Increment = { type: 'Increment'; data: { by: number } };
type Incremented = { type: 'Incremented'; data: { by: number; total: number } };
const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command, state) => [
    { type: 'Incremented', data: { by: command.data.by, total: state.total + command.data.by } },
  ],
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const ms = (n: number) => `${n.toFixed(2)} ms`;

const database = await createTestDatabase('bench_stream_length');
const store = await createPostgresEventStore({ connectionString: database.url });
try {
  const fill = async (stream: string, count: number) => {
    for (let written = 0; written < count; ) {
      const batch = Math.min(1000, count - written);
      const events = Array.from({ length: batch }, (_, i) => ({
        id: crypto.randomUUID(),
        type: 'Incremented',
        data: { by: 1, total: written + i + 1 },
      }));
      await store.appendToStream(stream, events, {
        expectedRevision: written === 0 ? 'no_stream' : BigInt(written - 1),
      });
      written += batch;
    }
  };
  process.stdout.write(`filling a ${longLength}-event stream and a 10-event stream… `);
  await fill('counter-long', longLength);
  await fill('counter-short', 10);
  console.log('done');

  const handler = createCommandHandler({ store, cacheSize: 100 });
  const metadata = { correlation_id: 'bench' };
  const timeOne = async (stream: string) => {
    const started = performance.now();
    await handler.handle({
      decider: counter,
      stream,
      command: { type: 'Increment', data: { by: 1 } },
      metadata,
    });
    return performance.now() - started;
  };
  const coldLong = await timeOne('counter-long');
  const coldShort = await timeOne('counter-short');

  // Interleaved so both streams see the same machine conditions.
  const short: number[] = [];
  const long: number[] = [];
  for (let i = 0; i < commands; i++) {
    short.push(await timeOne('counter-short'));
    long.push(await timeOne('counter-long'));
  }
  short.sort((a, b) => a - b);
  long.sort((a, b) => a - b);
  const p50Ratio = percentile(long, 0.5) / percentile(short, 0.5);
  const p99Ratio = percentile(long, 0.99) / percentile(short, 0.99);
  console.log(`first command (cold load): 10 events ${ms(coldShort)}, ${longLength} events ${ms(coldLong)}`);
  console.log(`warm, ${commands} commands each:`);
  console.log(`  10-event stream      p50 ${ms(percentile(short, 0.5))}  p99 ${ms(percentile(short, 0.99))}`);
  console.log(
    `  ${longLength}-event stream  p50 ${ms(percentile(long, 0.5))}  p99 ${ms(percentile(long, 0.99))}`,
  );
  console.log(`  ratio long/short     p50 ${p50Ratio.toFixed(2)}  p99 ${p99Ratio.toFixed(2)}  (goal <= 1.2)`);
} finally {
  await store.close();
  await database.drop();
}
