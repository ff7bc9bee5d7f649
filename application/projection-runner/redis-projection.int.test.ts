import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { type Position, parsePosition } from '../../infra/eventstore/position.ts';
import { appendEvent, createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { rebuildProjection } from './rebuild.ts';
import { createRedisDocWriter, readDoc } from './redis-docs.ts';
import { createProjectionRunner, type ProjectionRunner } from './runner.ts';
import { type RedisProjection, redisPrefix } from './types.ts';

type Tally = { count: number; last: number };

/** A small Redis read model: per stream, how many events and the last `i`. Counting makes doubles visible. */
const tallyProjection = (name: string): RedisProjection => ({
  kind: 'redis',
  name,
  eventTypes: ['Counted'],
  async apply(event, docs) {
    await docs.update<Tally>(`tally:${event.streamName}`, (current) => ({
      count: (current?.count ?? 0) + 1,
      last: Number(event.data.i),
    }));
  },
});

let side: ReadSideForTest;
const runners: ProjectionRunner[] = [];
const options = {
  leaseRetryMs: 50,
  heartbeatMs: 100,
  retry: { attempts: 3, baseMs: 5, maxMs: 20 },
  restart: { baseMs: 20, maxMs: 100 },
};

async function count(streams: string[], n: number) {
  let last: Position | undefined;
  for (let i = 0; i < n; i += 1)
    last = await appendEvent(side.store, streams[i % streams.length]!, 'Counted', { i });
  return last!;
}

const snapshot = async (name: string, generation: number, streams: string[]) =>
  Object.fromEntries(
    await Promise.all(
      streams.map(async (s) => {
        const stored = await readDoc<Tally>(side.redis, `${redisPrefix(name, generation)}tally:${s}`);
        return [s, { doc: stored.doc, position: stored.position }] as const;
      }),
    ),
  );

async function eventsOf(streams: string[]): Promise<RecordedEvent[]> {
  const all = await Promise.all(streams.map((s) => side.store.readStream(s)));
  return all
    .flat()
    .sort((a, b) =>
      a.position.commit === b.position.commit
        ? Number(a.position.prepare - b.position.prepare)
        : Number(a.position.commit - b.position.commit),
    );
}

beforeAll(async () => {
  side = await createReadSideForTest('redisproj');
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await side.close();
});

describe('projection runner (Redis read model)', () => {
  it('given events → keys; the same events again, or any prefix of them, change nothing', async () => {
    const projection = tallyProjection('rtally');
    const streams = ['count-a', 'count-b'];
    const head = await count(streams, 20);
    const runner = createProjectionRunner(projection, side.deps, options);
    runners.push(runner);
    runner.start();
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    const before = await snapshot('rtally', 1, streams);
    expect(before['count-a']!.doc).toEqual({ count: 10, last: 18 });
    expect(before['count-b']!.doc).toEqual({ count: 10, last: 19 });

    const events = await eventsOf(streams);
    const context = { prefix: redisPrefix('rtally', 1), invalidate: () => {}, logger: side.logger };
    for (const prefixLength of [events.length, 5, 1]) {
      for (const event of events.slice(0, prefixLength)) {
        await projection.apply(
          event,
          createRedisDocWriter(side.redis, context.prefix, event.position),
          context,
        );
      }
      expect(await snapshot('rtally', 1, streams)).toEqual(before);
    }
  });

  it('a crash between the Redis writes and the checkpoint leaves every event applied exactly once', async () => {
    const projection = tallyProjection('rcrash');
    const streams = ['crash-a', 'crash-b', 'crash-c'];
    let crashes = 0;
    const runner = createProjectionRunner(projection, side.deps, {
      ...options,
      batchSize: 7,
      faults: {
        afterWrites() {
          if (crashes >= 2) return;
          crashes += 1;
          // Looks like a lost connection: the runner restarts from its checkpoint and replays the batch.
          throw Object.assign(new Error('simulated crash'), { code: 'ECONNRESET' });
        },
      },
    });
    runners.push(runner);
    runner.start();
    const head = await count(streams, 30);
    expect(await runner.waitFor(head, 20_000)).toBe(true);
    expect(crashes).toBe(2);
    const after = await snapshot('rcrash', 1, streams);
    expect(after['crash-a']!.doc!.count).toBe(10);
    expect(after['crash-b']!.doc!.count).toBe(10);
    expect(after['crash-c']!.doc!.count).toBe(10);
  });

  it('rebuilds into a new key prefix that equals the serving one, then swaps', async () => {
    const projection = tallyProjection('rtally');
    const streams = ['count-a', 'count-b'];
    const before = await snapshot('rtally', 1, streams);
    const result = await rebuildProjection(projection, side.deps);
    expect(result.generation).toBe(2);
    expect(await snapshot('rtally', 2, streams)).toEqual(before);
    const pointer = await side.db
      .selectFrom('projection_generations')
      .selectAll()
      .where('projection', '=', 'rtally')
      .executeTakeFirstOrThrow();
    expect(pointer).toMatchObject({ serving: 2, building: null });
    // The serving runner follows the swap: new events land in generation 2 only.
    const head = await count(['count-a'], 1);
    expect(await runners[0]!.waitFor(head, 20_000)).toBe(true);
    expect((await snapshot('rtally', 2, streams))['count-a']!.doc).toEqual({ count: 11, last: 0 });
    // (Generation 1 may also have taken that event before the runner noticed the swap: nobody reads it.)
  });

  it('compares positions as numbers in the Lua guard (9 < 10, 100.2 < 100.10), and keeps tombstones', async () => {
    const write = (position: string, doc: { v: number } | null) =>
      createRedisDocWriter(side.redis, 'guard:', parsePosition(position)!).update<{ v: number }>(
        'k',
        () => doc,
      );
    expect(await write('9.5', { v: 1 })).toBe(true);
    expect(await write('10.0', { v: 2 })).toBe(true);
    expect(await write('9.9', { v: 3 })).toBe(false);
    expect(await write('100.2', { v: 4 })).toBe(true);
    expect(await write('100.10', { v: 5 })).toBe(true);
    expect(await write('100.9', { v: 6 })).toBe(false);
    expect(await readDoc(side.redis, 'guard:k')).toEqual({
      position: parsePosition('100.10'),
      doc: { v: 5 },
    });
    expect(await write('101.0', null)).toBe(true);
    expect(await write('100.11', { v: 7 })).toBe(false); // an older event cannot bring a deleted key back
    expect(await readDoc(side.redis, 'guard:k')).toEqual({
      position: parsePosition('101.0'),
      doc: undefined,
    });
  });
});
