import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { combine, type LevelResult, runLevel } from './measure.ts';

const data = () => ({
  schema_version: 1,
  product_id: 'prd_01HZX3K8Q9V2M4N6P8R0T2W4Y6',
  quantity: 3,
  unit_price: { amount: 1999, currency: 'USD' },
});
const metadata = () => ({
  correlation_id: randomUUID(),
  causation_id: randomUUID(),
  user_id: 'usr_01HZX3K8Q9V2M4N6P8R0T2W4Y6',
  occurred_at: new Date().toISOString(),
});

/** The baseline: a table shaped like `messages` (same columns, defaults and indexes), one row per INSERT. */
export async function createBaselineTable(pool: pg.Pool) {
  await pool.query('DROP TABLE IF EXISTS baseline_messages');
  await pool.query('CREATE TABLE baseline_messages (LIKE messages INCLUDING ALL)');
}

export type AppendComparison = { baseline: LevelResult; store: LevelResult };

/**
 * Single-event appends to distinct streams vs single-row INSERTs, through the same pool, level by level.
 * Each level alternates the two in `rounds` slices of `durationMs / rounds`, so a change in machine load
 * (other processes) falls on both sides rather than on whichever ran second.
 */
export async function compareAppends(
  pool: pg.Pool,
  store: EventStore,
  levels: number[],
  durationMs: number,
  rounds = 4,
): Promise<AppendComparison[]> {
  const run = `r${Date.now().toString(36)}`;
  const insert = (stream: string) =>
    pool.query({
      name: 'bench_baseline_insert',
      text: `INSERT INTO baseline_messages (event_id, stream_name, stream_revision, type, data, metadata)
             VALUES ($1, $2, 0, 'ItemAddedToCart', $3, $4)`,
      values: [randomUUID(), stream, JSON.stringify(data()), JSON.stringify(metadata())],
    });
  const append = (stream: string) =>
    store.appendToStream(
      stream,
      [{ id: randomUUID(), type: 'ItemAddedToCart', data: data(), metadata: metadata() }],
      {
        expectedRevision: 'no_stream',
      },
    );
  // Warm both paths (connections, prepared statements, plpgsql plan cache).
  await runLevel(8, 1_000, (w, n) => insert(`warm-${run}-${w}-${n}`));
  await runLevel(8, 1_000, (w, n) => append(`warm-${run}-${w}-${n}`));
  const out: AppendComparison[] = [];
  for (const concurrency of levels) {
    const baseline: LevelResult[] = [];
    const appended: LevelResult[] = [];
    for (let round = 0; round < rounds; round++) {
      const slice = durationMs / rounds;
      baseline.push(
        await runLevel(concurrency, slice, (w, n) => insert(`cart-${run}b${concurrency}r${round}-${w}-${n}`)),
      );
      appended.push(
        await runLevel(concurrency, slice, (w, n) => append(`cart-${run}s${concurrency}r${round}-${w}-${n}`)),
      );
    }
    out.push({ baseline: combine(baseline), store: combine(appended) });
  }
  return out;
}
