import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position } from '../../infra/eventstore/position.ts';
import { appendEvent, createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { checkpointChannel } from './checkpoint-channel.ts';
import { NewerEventVersion } from './failures.ts';
import { rebuildProjection } from './rebuild.ts';
import { createProjectionRunner, type ProjectionRunner } from './runner.ts';
import type { PgProjection } from './types.ts';

/** Under load (the store's read horizon is cluster-wide, shared with other test files) give it time. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

/**
 * A deliberately non-idempotent projection: each event adds 1 to its stream's tally, so any event applied
 * twice (or skipped) shows up in the counts. `fail` decides, per event, whether the handler throws.
 */
const tallyProjection = (
  name: string,
  fail: (event: RecordedEvent) => unknown = () => false,
): PgProjection => ({
  kind: 'postgres',
  name,
  eventTypes: ['Ticked'],
  ddl: (schema) => `CREATE TABLE ${schema}.tallies (stream text PRIMARY KEY, n integer NOT NULL)`,
  async apply(event, trx) {
    await trx
      .insertInto('tallies')
      .values({ stream: event.streamName, n: 1 })
      .onConflict((oc) => oc.column('stream').doUpdateSet({ n: sql`tallies.n + 1` }))
      .execute();
    const failure = fail(event);
    if (failure === 'disconnect') await sql`SELECT pg_terminate_backend(pg_backend_pid())`.execute(trx);
    else if (failure) throw new Error(`handler failed on ${event.id}`);
  },
});

let side: ReadSideForTest;
const runners: ProjectionRunner[] = [];
const start = (
  projection: PgProjection,
  options: Parameters<typeof createProjectionRunner>[2] = {},
  instanceId = 'a',
) => {
  const runner = createProjectionRunner(
    projection,
    { ...side.deps, instanceId },
    {
      leaseRetryMs: 50,
      leaseCheckMs: 100,
      heartbeatMs: 100,
      retry: { attempts: 3, baseMs: 5, maxMs: 20 },
      restart: { baseMs: 20, maxMs: 100 },
      ...options,
    },
  );
  runners.push(runner);
  runner.start();
  return runner;
};

async function tick(
  streams: string[],
  count: number,
  data: (i: number) => Record<string, unknown> = () => ({}),
) {
  let last: Position | undefined;
  for (let i = 0; i < count; i += 1) {
    last = await appendEvent(side.store, streams[i % streams.length]!, 'Ticked', { i, ...data(i) });
  }
  return last!;
}

/** The projection's dead letters (every generation). */
const deadLetters = (projection: string) =>
  side.db.selectFrom('projection_dead_letters').selectAll().where('projection', '=', projection).execute();

const tallies = async (name: string) => {
  const { rows } = await sql<{
    stream: string;
    n: number;
  }>`SELECT stream, n FROM ${sql.table(`rm_${name}_g1.tallies`)} ORDER BY stream`.execute(side.db);
  return Object.fromEntries(rows.map((r) => [r.stream, r.n]));
};

const writtenCheckpoint = async (name: string) =>
  (
    await side.db
      .selectFrom('projection_checkpoints')
      .select('position')
      .where('projection', '=', name)
      .executeTakeFirstOrThrow()
  ).position;

beforeAll(async () => {
  side = await createReadSideForTest('runner');
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await side.close();
});

describe('projection runner (PostgreSQL read model)', () => {
  it('applies every event exactly once although a handler fails in the middle of a batch', async () => {
    let failedOnce = false;
    const projection = tallyProjection('tally_fail', (event) => {
      if (event.data.i === 150 && !failedOnce) {
        failedOnce = true;
        return true;
      }
      return false;
    });
    const head = await tick(['tick-a', 'tick-b', 'tick-c'], 300);
    const runner = start(projection, { batchSize: 100 });
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    expect(failedOnce).toBe(true);
    expect(await tallies('tally_fail')).toEqual({ 'tick-a': 100, 'tick-b': 100, 'tick-c': 100 });
  });

  it('applies every event exactly once when its connection is killed between writes and checkpoint', async () => {
    let killed = 0;
    const projection = tallyProjection('tally_kill', (event) => {
      if (event.data.i === 42 && killed < 1) {
        killed += 1;
        return 'disconnect';
      }
      return false;
    });
    const runner = start(projection, { batchSize: 25 });
    const head = await tick(['kill-a', 'kill-b'], 100);
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    expect(killed).toBe(1);
    const counts = await tallies('tally_kill');
    expect(counts['kill-a']).toBe(50);
    expect(counts['kill-b']).toBe(50);
    const parked = await deadLetters('tally_kill');
    expect(parked).toEqual([]); // a dropped connection is not the event's fault: never parked
  });

  it('parks an event whose handler keeps failing: dead-letter row, metric, status; the rest go on', async () => {
    const projection = tallyProjection('tally_park', (event) => event.data.poison === true);
    const runner = start(projection);
    await tick(['park-a'], 5);
    await appendEvent(side.store, 'park-b', 'Ticked', { i: 99, poison: true });
    const head = await tick(['park-a'], 5);
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    const rows = await deadLetters('tally_park');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      stream_name: 'park-b',
      event_type: 'Ticked',
      attempts: 3,
      generation: 1,
    });
    expect(rows[0]!.error).toContain('handler failed');
    expect(await side.metrics.value('projection_parked_events_total', { projection: 'tally_park' })).toBe(1);
    expect(runner.status().parked).toBe(1);
    // The poison event's writes were rolled back with it; every other event counted once.
    const counts = await tallies('tally_park');
    expect(counts['park-a']).toBe(10);
    expect(counts['park-b']).toBeUndefined();
  });

  // A rolling upgrade: the command API already writes ProductListed version 2, this projection reads 1.
  it('waits at an event of a newer version than it reads, parks nothing, and goes on once code reads it', async () => {
    const listed = (stream: string, version: number) =>
      appendEvent(side.store, stream, 'ProductListed', { schema_version: version, product_id: stream });
    const older = {
      ...tallyProjection(
        'tally_newer',
        (event) => (event.data as { schema_version: number }).schema_version > 1,
      ),
      eventTypes: ['ProductListed'],
    };
    await listed('newer-a', 1);
    await listed('newer-b', 2);
    const head = await listed('newer-c', 1);
    const runner = start(older);
    await eventually(() => expect(runner.status()).toMatchObject({ state: 'retrying', parked: 0 }));
    expect(runner.status().lastError).toMatch(/NewerEventVersion/);
    expect(await tallies('tally_newer')).toEqual({ 'newer-a': 1 });
    const parked = await deadLetters('tally_newer');
    expect(parked).toEqual([]);

    await runner.stop();
    const upgraded = start({ ...older, ...tallyProjection('tally_newer'), eventTypes: ['ProductListed'] });
    expect(await upgraded.waitFor(head, 20_000)).toBe(true);
    expect(await tallies('tally_newer')).toEqual({ 'newer-a': 1, 'newer-b': 1, 'newer-c': 1 });
  });

  it('parks an event of a newer version once it has waited newerVersionWaitMs, naming why', async () => {
    const listed = (stream: string, version: number) =>
      appendEvent(side.store, stream, 'CategoryCreated', { schema_version: version, name: stream });
    await listed('longer-a', 2);
    const head = await listed('longer-b', 1);
    const runner = start(
      {
        ...tallyProjection(
          'tally_longer',
          (event) => (event.data as { schema_version: number }).schema_version > 1,
        ),
        eventTypes: ['CategoryCreated'], // another type than the test before's
      },
      { retry: { attempts: 2, baseMs: 5, maxMs: 20, newerVersionWaitMs: 300 } },
    );
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    expect(await tallies('tally_longer')).toEqual({ 'longer-b': 1 });
    const parked = (await deadLetters('tally_longer')).map(({ error }) => ({ error }));
    expect(parked).toEqual([
      {
        error: expect.stringMatching(
          /^NewerEventVersion: CategoryCreated version 2 is newer than this code reads/,
        ),
      },
    ]);
  });

  it('fails a rebuild at an event newer than its code, and swaps nothing in', async () => {
    await appendEvent(side.store, 'rebuilt-a', 'CouponCreated', { schema_version: 1, code: 'rebuilt-a' });
    await appendEvent(side.store, 'rebuilt-b', 'CouponCreated', { schema_version: 2, code: 'rebuilt-b' });
    const projection = {
      ...tallyProjection(
        'tally_rebuilt',
        (event) => (event.data as { schema_version: number }).schema_version > 1,
      ),
      eventTypes: ['CouponCreated'], // a type no other test here appends
    };
    await expect(rebuildProjection(projection, side.deps)).rejects.toThrow(NewerEventVersion);
    const serving = await side.db
      .selectFrom('projection_generations')
      .select('serving')
      .where('projection', '=', 'tally_rebuilt')
      .executeTakeFirst();
    expect(serving?.serving).toBe(1); // created before the build; the build (generation 2) never swapped in
    expect(await deadLetters('tally_rebuilt')).toEqual([]);
  });

  // The guide: no SQL or personal data reaches a client (/ready shows lastError) or rests in plain text.
  it('parks what PostgreSQL refused by its SQLSTATE and names, reports its kind, never the value quoted', async () => {
    const email = 'carol.parked@example.com';
    const projection: PgProjection = {
      ...tallyProjection('tally_quoted'),
      async apply(event, trx) {
        await sql`SELECT ${event.data.email}::uuid`.execute(trx);
      },
    };
    const runner = start(projection);
    const head = await appendEvent(side.store, 'quoted-a', 'Ticked', { email });
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    const rows = (await deadLetters('tally_quoted')).map(({ error }) => ({ error }));
    expect(rows).toEqual([{ error: 'DatabaseError 22P02 (routine string_to_uuid)' }]);

    // A run that fails as a whole: its table's DDL quotes a value PostgreSQL refuses.
    const broken = start({
      ...tallyProjection('tally_ddl'),
      ddl: (schema) => `CREATE TABLE ${schema}.tallies (owner uuid DEFAULT '${email}')`,
    });
    await eventually(() => expect(broken.status().state).toBe('retrying'));
    expect(broken.status().lastError).toBe('DatabaseError 22P02');
  });

  it('moves its checkpoint past events it does not read, written once it is idle', async () => {
    const runner = start(tallyProjection('tally_filter'));
    await tick(['filter-a'], 3);
    const head = await appendEvent(side.store, 'other-1', 'SomethingElse', {});
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    // The skip is published at once and written within skipCheckpointMs (default 1 s) although nothing
    // more arrives.
    await eventually(async () =>
      expect(await writtenCheckpoint('tally_filter')).toBe(`${head.commit}.${head.prepare}`),
    );
  });

  it('publishes a skip before writing it, and a restart re-reads the skipped events without harm', async () => {
    const projection = tallyProjection('tally_skip');
    const slow = { skipCheckpointMs: 600_000 };
    let runner = start(projection, slow);
    let applied = await tick(['skip-a'], 3);
    expect(await runner.waitFor(applied, 20_000)).toBe(true);
    let skippedHead = applied;
    for (let i = 0; i < 5; i += 1)
      skippedHead = await appendEvent(side.store, `other-${i}`, 'SomethingElse', {});
    expect(await runner.waitFor(skippedHead, 20_000)).toBe(true);
    // Passed (and announced) but not written: the checkpoint still says the last applied event.
    expect(await writtenCheckpoint('tally_skip')).toBe(`${applied.commit}.${applied.prepare}`);

    // Stopped now (as a crash would), the skip stays unwritten: the next run re-reads the skipped events,
    // and loses nothing and applies nothing twice.
    await runner.stop();
    expect(await writtenCheckpoint('tally_skip')).toBe(`${applied.commit}.${applied.prepare}`);
    runner = start(projection, slow, 'b');
    applied = await tick(['skip-a'], 2);
    expect(await runner.waitFor(applied, 20_000)).toBe(true);
    expect((await tallies('tally_skip'))['skip-a']).toBe(5);
    expect(await writtenCheckpoint('tally_skip')).toBe(`${applied.commit}.${applied.prepare}`);
  });

  it('runs on one instance at a time, and a standby takes over when the holder dies', async () => {
    const projection = tallyProjection('tally_lease');
    const first = start(projection, {}, 'first');
    let head = await tick(['lease-a'], 10);
    expect(await first.waitFor(head, 20_000)).toBe(true);
    const second = start(projection, {}, 'second');
    await new Promise((r) => setTimeout(r, 300));
    expect(second.status().state).toBe('waiting-for-lease');

    // The first instance dies: its lease session is gone (as when a process is killed) and it stops.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'projection-leases:first'`.execute(side.db);
    const stopping = first.stop();
    head = await tick(['lease-a'], 10);
    expect(await second.waitFor(head, 20_000)).toBe(true);
    await stopping;
    await eventually(() => expect(second.status().state).toBe('live'));
    expect((await tallies('tally_lease'))['lease-a']).toBe(20);
    const position = second.status().position!;
    expect(
      comparePositions(
        { commit: BigInt(position.split('.')[0]!), prepare: BigInt(position.split('.')[1]!) },
        head,
      ),
    ).toBe(0);
  });

  it('publishes nothing once it has lost the lease to another instance: readers hear only the holder', async () => {
    const projection = tallyProjection('tally_handover');
    const first = start(projection, {}, 'first');
    expect(await first.waitFor(await tick(['handover-a'], 3), 20_000)).toBe(true);
    const second = start(projection, {}, 'second');
    const subscriber = side.redis.duplicate();
    const heard: string[] = [];
    subscriber.on('message', (_channel, text: string) => {
      const message = JSON.parse(text) as { projection: string; status?: { state: string } };
      if (message.projection === 'tally_handover') heard.push(message.status?.state ?? '');
    });
    await subscriber.subscribe(checkpointChannel(side.redis));
    try {
      // The first instance loses its lease session but lives on, and goes back to waiting for it; should it
      // win the lock again, it loses it again, until the second holds it.
      await eventually(async () => {
        if (second.status().state !== 'live')
          await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = 'projection-leases:first'`.execute(side.db);
        expect(second.status().state).toBe('live');
      });
      await eventually(() => expect(first.status().state).toBe('waiting-for-lease'));
      // Ten messages more (heartbeats every 100 ms): all from the holder, none from the instance waiting.
      const from = heard.length;
      await eventually(() => expect(heard.length).toBeGreaterThanOrEqual(from + 10));
      expect(heard.slice(from)).not.toContain('waiting-for-lease');
      expect(first.status().state).toBe('waiting-for-lease');
    } finally {
      subscriber.disconnect();
    }
  });
});
