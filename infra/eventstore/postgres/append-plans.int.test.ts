import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import { newEvent } from '../contract/fixture.ts';
import { appendBatch } from './append.ts';
import { createPostgresEventStore } from './store.ts';

// Migration 006: es_append_batch keeps its index plans whatever the log's size when a session first
// planned them. One client (one session, so one plan cache) appends while the log is empty, then keeps
// appending as it grows: none of its statements may scan the messages table.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('es_plans');
  await (await createPostgresEventStore({ connectionString: db.url, poolSize: 1 })).close(); // migrates
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

const batchOf = (size: number, round: number) =>
  Array.from({ length: size }, (_, i) => ({
    stream: `plans-${round}-${i}`,
    events: [newEvent()],
    expected: 'no_stream' as const,
  }));

/** Rows of `messages` read by sequential scans so far, this session's own included. */
const scans = async () => {
  // A session's counts reach the statistics when it next goes idle: flush them first, then read.
  await client.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await client.query<{ seq_tup_read: string }>(
    "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'messages'",
  );
  return Number(rows[0]!.seq_tup_read);
};

it('appends through index plans made while the log was empty, as the log grows', async () => {
  // Planned (and, after five executions, cached as generic plans) on an empty table.
  for (let round = 0; round < 3; round++) await appendBatch(client, batchOf(32, round));
  const before = await scans();
  for (let round = 3; round < 40; round++) {
    const outcomes = await appendBatch(client, batchOf(32, round));
    expect(outcomes.every((outcome) => !(outcome instanceof Error))).toBe(true);
  }
  // 1,184 more events appended, every lookup by an index (the function before 006 read 814,000 rows).
  expect((await scans()) - before).toBe(0);
});
