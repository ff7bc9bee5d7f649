import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { comparePositions, type Position, parsePosition } from '../../infra/eventstore/position.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { catalogProjection } from '../../projections/catalog/catalog-projection.ts';
import { createProjectionService, type ProjectionService } from '../../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../../projections/test-support.ts';
import { redisUrl } from '../../test/support/isolation.ts';
import { createCheckpointPublisher } from './checkpoint-channel.ts';
import { type CheckpointWatcher, createCheckpointWatcher } from './checkpoint-watcher.ts';
import type { RunnerDb } from './types.ts';

/** Under load (the store's read horizon is cluster-wide, shared with other test files) give it time. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

let side: ReadSideForTest;
let service: ProjectionService;
const watchers: CheckpointWatcher[] = [];

/** `name`: the subscriber's connection name, to find it in CLIENT LIST. */
const watcher = async (options: { refreshMs: number; deaf?: boolean; name?: string }) => {
  const subscriber = options.deaf
    ? createRedis({ url: redisUrl, keyPrefix: 'elsewhere:' }) // hears none of this file's messages
    : side.redis.duplicate(options.name ? { connectionName: options.name } : {});
  const created = createCheckpointWatcher({
    db: side.db as RunnerDb,
    subscriber,
    logger: side.logger,
    refreshMs: options.refreshMs,
  });
  await created.start();
  watchers.push(created);
  return created;
};

/** The keys a watcher's listeners are told are stale, in order. */
const invalidations = (w: CheckpointWatcher) => {
  const keys: string[] = [];
  w.onInvalidate((_projection, stale) => keys.push(...stale));
  return keys;
};

/** Lists a product; the position of its event. */
const list = async (id: string) =>
  (await appendEvent(side.store, `product-${id}`, 'ProductListed', productListedData(id)))!;

beforeAll(async () => {
  side = await createReadSideForTest('watcher');
  service = createProjectionService(side.deps, {
    projections: [catalogProjection],
    leaseRetryMs: 50,
    heartbeatMs: 100,
  });
  service.start();
  expect(await service.waitFor(await list('prd_0'), 20_000)).toBe(true);
});

afterAll(async () => {
  await Promise.all(watchers.map((w) => w.stop()));
  await service.stop();
  await side.close();
});

describe('checkpoint watcher', () => {
  it('learns positions and invalidations from the runners’ messages, without asking PostgreSQL', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    const invalidated = invalidations(w);
    const position = await list('prd_1');
    expect(await w.waitFor(['catalog'], position, 5_000)).toBe(true);
    expect(invalidated).toContain('prd_1');
    expect(w.state('catalog')?.status?.state).toBe('live');
  });

  it('falls back to its periodic refresh when messages are lost, and then drops the cache', async () => {
    const w = await watcher({ refreshMs: 100, deaf: true });
    const invalidated = invalidations(w);
    const position = await list('prd_2');
    expect(await w.waitFor(['catalog'], position, 5_000)).toBe(true);
    await eventually(() => expect(invalidated).toContain('*'));
  });

  it('drops every cache after its subscriber reconnects: what was published meanwhile is lost', async () => {
    const name = `watcher-reconnect-${process.pid}`;
    // No refresh: only the reconnect may drop the cache here.
    const w = await watcher({ refreshMs: 600_000, name });
    const invalidated = invalidations(w);
    // Where the watcher stood when it was told `*`: the drop must come before any later position.
    let droppedAt: Position | undefined;
    w.onInvalidate((_projection, keys) => {
      if (keys.includes('*')) droppedAt ??= w.state('catalog')?.position;
    });
    // Heard while connected: a product's invalidation, and no `*`.
    expect(await w.waitFor(['catalog'], await list('prd_3'), 5_000)).toBe(true);
    expect(invalidated).toContain('prd_3');
    expect(invalidated).not.toContain('*');

    // The server drops the subscriber's connection (as a network failure or an output buffer limit
    // would); an event projected before it subscribes again is announced to no one.
    const clients = String(await side.redis.client('LIST')).split('\n');
    const id = clients.find((line) => line.includes(` name=${name} `))?.match(/^id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await side.redis.client('KILL', 'ID', id!);
    const after = await list('prd_4');

    // The runner's heartbeats (every 100 ms) reach the watcher again once it has resubscribed; the first
    // message it hears drops everything, before any position it carries can satisfy a wait.
    await eventually(() => expect(invalidated).toContain('*'));
    expect(comparePositions(droppedAt!, after)).toBeLessThan(0);
    expect(await w.waitFor(['catalog'], after, 5_000)).toBe(true);
  });

  it('times out for a position no read model reaches, and for a read model that does not exist', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    expect(await w.waitFor(['catalog'], { commit: 10n ** 15n, prepare: 0n }, 200)).toBe(false);
    expect(await w.waitFor(['nothing'], { commit: 0n, prepare: 0n }, 100)).toBe(false);
  });

  it('ignores messages of an older generation and positions that go backwards', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    const publisher = createCheckpointPublisher(side.redis, side.logger);
    // A generation is taken only when this database lists it as serving (issue 12).
    const serve = (generation: number) =>
      sql`INSERT INTO projection_generations (projection, serving) VALUES ('fake', ${generation})
          ON CONFLICT (projection) DO UPDATE SET serving = ${generation}`.execute(side.db);
    await serve(2);
    await publisher.publish({ projection: 'fake', generation: 2, position: '50.5' });
    await eventually(() => expect(w.state('fake')?.position).toEqual(parsePosition('50.5')));
    await publisher.publish({ projection: 'fake', generation: 1, position: '90.9' });
    await publisher.publish({ projection: 'fake', generation: 2, position: '40.1' });
    await publisher.publish({ projection: 'fake', generation: 2, position: '60.0' });
    await eventually(() => expect(w.state('fake')?.position).toEqual(parsePosition('60.0')));
    expect(w.state('fake')?.generation).toBe(2);
    await serve(3);
    await publisher.publish({ projection: 'fake', generation: 3, position: '1.1' });
    await eventually(() =>
      expect(w.state('fake')).toMatchObject({ generation: 3, position: parsePosition('1.1') }),
    );
  });

  it('drops every cache when a runner takes the lease: the one before may have died owing', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    const invalidated = invalidations(w);
    expect(await w.waitFor(['catalog'], await list('prd_5'), 5_000)).toBe(true);
    expect(invalidated).not.toContain('*');
    // The same process takes the lease again (the same publisher: no debt of its own is known to it).
    await service.stop();
    service = createProjectionService(side.deps, {
      projections: [catalogProjection],
      leaseRetryMs: 50,
      heartbeatMs: 100,
    });
    service.start();
    await eventually(() => expect(invalidated).toContain('*'));
    expect(await w.waitFor(['catalog'], await list('prd_6'), 5_000)).toBe(true);
  });
});
