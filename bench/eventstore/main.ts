/**
 * Event store benchmark (`npm run bench:eventstore -- [--events N] [--seconds S] [--page-size P]
 * [--skip-appends] [--skip-catch-up]`). Runs in a database of its own, created and dropped here.
 *  1. appends/s and p50/p99 at concurrency 1, 8, 32: single-event appends to distinct streams vs plain
 *     single-row INSERTs into a same-shaped table through the same pool, with the ratio; the bare store at
 *     each level, then at c=32 the store as production composes it (composeStore: hash chain, personal
 *     data, tracing; the npm script loads OpenTelemetry as bin/start does), which is what the goal names.
 *  2. subscription catch-up over N events (default 1,000,000), beside a raw paged SELECT of the same rows.
 */
import { parseArgs } from 'node:util';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { reportResult } from '../result.ts';
import { compareAppends, createBaselineTable } from './appends.ts';
import { measureCatchUp, measureRawScan, seedEvents } from './catch-up.ts';
import { fmt, type LevelResult } from './measure.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    'page-size': { type: 'string', default: '1000' },
    'skip-appends': { type: 'boolean', default: false },
    'skip-catch-up': { type: 'boolean', default: false },
  },
});
const events = Number.parseInt(args.events, 10);
const durationMs = Number.parseFloat(args.seconds) * 1000;
const pageSize = Number.parseInt(args['page-size'], 10);
const levels = [1, 8, 32];

const db = await createTestDatabase('bench_eventstore');
const pool = createPool({ connectionString: db.url, max: Math.max(...levels) + 2 });
const store = await createPostgresEventStore({ pool, pageSize });
// Closing the composed store closes the bare one and the key store.
const composed = composeStore(store, {
  personalData: await openPersonalData({ connectionString: db.url, poolSize: 2 }),
});
try {
  const pg = await pool.query<{ server_version: string }>('SHOW server_version');
  console.log(
    `PostgreSQL ${pg.rows[0]?.server_version}, Node ${process.version}, pool ${Math.max(...levels) + 2}`,
  );

  if (!args['skip-appends']) {
    await createBaselineTable(pool);
    console.log(`\nAppends: single-event appends to distinct streams, ${durationMs / 1000} s per level`);
    console.log(
      'concurrency | baseline INSERT/s  p50 ms  p99 ms  cpu µs | store append/s  p50 ms  p99 ms  cpu µs | ratio',
    );
    const cells = (r: LevelResult) =>
      `${fmt(r.perSecond).padStart(8)} ${fmt(r.p50, 2).padStart(7)} ${fmt(r.p99, 2).padStart(7)} ${fmt(r.cpuMicros).padStart(7)}`;
    for (const { baseline, store: s } of await compareAppends(pool, store, levels, durationMs)) {
      console.log(
        `${String(s.concurrency).padStart(11)} |         ${cells(baseline)} |      ${cells(s)} | ${fmt(s.perSecond / baseline.perSecond, 2)}`,
      );
      reportResult({
        measure: `store appends vs raw INSERT, c=${s.concurrency} (bare store)`,
        ours: s.perSecond,
        baseline: baseline.perSecond,
        unit: 'appends/s',
      });
    }
    // The goal (≥ 0.8 at c=32) is for the store as production composes it.
    for (const { baseline, store: s } of await compareAppends(pool, composed, [32], durationMs)) {
      console.log(
        `${`${s.concurrency} composed`.padStart(11)} |         ${cells(baseline)} |      ${cells(s)} | ${fmt(s.perSecond / baseline.perSecond, 2)}`,
      );
      reportResult({
        measure: `store appends vs raw INSERT, c=${s.concurrency}, as production composes it`,
        ours: s.perSecond,
        baseline: baseline.perSecond,
        unit: 'appends/s',
        goal: { on: 'ratio', op: '>=', value: 0.8 },
      });
    }
  }

  if (!args['skip-catch-up']) {
    await pool.query('TRUNCATE messages, streams');
    const seedStart = performance.now();
    await seedEvents(pool, events);
    console.log(
      `\nCatch-up: ${fmt(events)} events seeded in ${fmt((performance.now() - seedStart) / 1000, 1)} s`,
    );
    const raw = await measureRawScan(pool, pageSize);
    console.log(
      `raw paged SELECT (page ${pageSize}): ${fmt(raw.perSecond)} events/s (${fmt(raw.seconds, 1)} s)`,
    );
    const catchUp = await measureCatchUp(store);
    if (catchUp.events !== events)
      throw new Error(`catch-up delivered ${catchUp.events} of ${events} events`);
    console.log(
      `subscribeToAll catch-up (page ${pageSize}): ${fmt(catchUp.perSecond)} events/s (${fmt(catchUp.seconds, 1)} s), ` +
        `${fmt(catchUp.perSecond / raw.perSecond, 2)} of the raw scan`,
    );
    reportResult({
      measure: `subscribeToAll catch-up vs raw paged SELECT, ${events} events`,
      ours: catchUp.perSecond,
      baseline: raw.perSecond,
      unit: 'events/s',
    });
  }
} finally {
  await composed.close();
  await pool.end();
  await db.drop();
}
