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
import { freezableProxy } from '../../test/support/freezable-proxy.ts';
import { redisUrl } from '../../test/support/isolation.ts';
import { checkpointChannel, createCheckpointPublisher } from './checkpoint-channel.ts';
import { type CheckpointWatcher, createCheckpointWatcher } from './checkpoint-watcher.ts';
import type { RunnerDb } from './types.ts';

/** Under load (the store's read horizon is cluster-wide, shared with other test files) give it time. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

let side: ReadSideForTest;
let service: ProjectionService;
const watchers: CheckpointWatcher[] = [];

/**
 * `name`: the subscriber's connection name, to find it in CLIENT LIST; `reconnectMs`: how long its
 * connection stays down once dropped; `port`: a proxy's on 127.0.0.1, to reach Redis through.
 */
const watcher = async (options: {
  refreshMs: number;
  deaf?: boolean;
  name?: string;
  reconnectMs?: number;
  port?: number;
  /** The subscriber's commandTimeout: how long its PING may go unanswered. */
  commandTimeoutMs?: number;
}) => {
  const subscriber = options.deaf
    ? createRedis({ url: redisUrl, keyPrefix: 'elsewhere:' }) // hears none of this file's messages
    : side.redis.duplicate({
        ...(options.name ? { connectionName: options.name } : {}),
        ...(options.reconnectMs ? { retryStrategy: () => options.reconnectMs } : {}),
        ...(options.port ? { host: '127.0.0.1', port: options.port } : {}),
        ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
      });
  const created = createCheckpointWatcher({
    db: side.db as RunnerDb,
    subscriber,
    logger: side.logger,
    refreshMs: options.refreshMs,
  });
  await created.start();
  watchers.push(created);
  // A publisher first heard past its first message counts as having lost some: the watcher drops its
  // caches once on the runner's first heartbeat. Tests begin after that.
  if (!options.deaf) await eventually(() => expect(created.state('catalog')?.status).toBeDefined());
  return created;
};

/** The keys a watcher's listeners are told are stale, in order. */
const invalidations = (w: CheckpointWatcher) => {
  const keys: string[] = [];
  w.onInvalidate((_projection, stale) => keys.push(...stale));
  return keys;
};

/** A generation is taken only when this database lists it as serving (issue 12). */
const serve = (projection: string, generation: number) =>
  sql`INSERT INTO projection_generations (projection, serving) VALUES (${projection}, ${generation})
      ON CONFLICT (projection) DO UPDATE SET serving = ${generation}`.execute(side.db);

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
    // No refresh: only the missing message numbers may drop the cache here. The connection stays down
    // for a second, so the runner's heartbeats (every 100 ms) are certainly lost meanwhile.
    const w = await watcher({ refreshMs: 600_000, name, reconnectMs: 1_000 });
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

    // Once it has resubscribed, the first message it hears from the runner's process is numbered past
    // the lost ones: it drops everything, before any position it carries can satisfy a wait.
    await eventually(() => expect(invalidated).toContain('*'));
    expect(comparePositions(droppedAt!, after)).toBeLessThan(0);
    expect(await w.waitFor(['catalog'], after, 5_000)).toBe(true);
  });

  it('drops every cache when a publisher’s message goes missing, before the next one’s position', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    await serve('numbered', 1);
    const stale: string[] = [];
    let droppedAt: Position | undefined;
    w.onInvalidate((projection, keys) => {
      if (projection !== 'numbered') return;
      stale.push(...keys);
      if (keys.includes('*')) droppedAt ??= w.state('numbered')?.position;
    });
    // A publisher on a connection of its own, closed below so that one of its messages is lost.
    const connection = side.redis.duplicate();
    const publisher = createCheckpointPublisher(connection, side.logger);
    try {
      const send = (position: string, key: string) =>
        publisher.publish({ projection: 'numbered', generation: 1, position, invalidate: [key] });
      await send('10.10', 'first');
      await eventually(() => expect(w.state('numbered')?.position).toEqual(parsePosition('10.10')));
      connection.disconnect();
      await send('20.20', 'lost');
      await connection.connect();
      await send('30.30', 'next');
      await send('40.40', 'later');
      await eventually(() => expect(w.state('numbered')?.position).toEqual(parsePosition('40.40')));
      expect(stale).toEqual(['first', '*', 'next', 'later']);
      expect(droppedAt).toEqual(parsePosition('10.10'));
    } finally {
      connection.disconnect();
    }
  });

  it('takes a publisher first heard past its first message as having lost some; not one without numbers', async () => {
    // Known to the watcher from its start, so no message waits on the generation check.
    await serve('numbered', 1);
    const w = await watcher({ refreshMs: 600_000 });
    const stale: string[] = [];
    w.onInvalidate((projection, keys) => {
      if (projection === 'numbered') stale.push(...keys);
    });
    const send = (message: object) =>
      side.redis.publish(
        checkpointChannel(side.redis),
        JSON.stringify({ projection: 'numbered', generation: 1, ...message }),
      );
    await send({ position: '1.1', invalidate: ['unnumbered'] });
    await send({ position: '2.2', invalidate: ['first'], source: 'elsewhere', seq: 1 });
    await send({ position: '3.3', invalidate: ['joined'], source: 'late', seq: 7 });
    await send({ position: '4.4', invalidate: ['again'], source: 'late', seq: 8 });
    await send({ position: '5.5', invalidate: ['repeated'], source: 'late', seq: 8 });
    await eventually(() => expect(w.state('numbered')?.position).toEqual(parsePosition('5.5')));
    expect(stale).toEqual(['unnumbered', 'first', '*', 'joined', 'again', '*', 'repeated']);
  });

  it('reconnects a subscriber whose connection went silent without closing (half-open)', async () => {
    const proxy = await freezableProxy();
    const w = await watcher({ refreshMs: 100, commandTimeoutMs: 1_000, port: proxy.port });
    try {
      const invalidated = invalidations(w);
      expect(await w.waitFor(['catalog'], await list('prd_7'), 5_000)).toBe(true);
      // Nothing passes either way any more, and nothing closes: as when the peer vanished without a FIN.
      proxy.freeze();
      const before = proxy.connections();
      await eventually(() => expect(proxy.connections()).toBeGreaterThan(before));
      // Only a message names a product (the refresh drops everything): the watcher hears again.
      await list('prd_8');
      await eventually(() => expect(invalidated).toContain('prd_8'));
    } finally {
      await w.stop(); // before the proxy goes, or its subscriber would keep reconnecting to nothing
      await proxy.close();
    }
  });

  it('times out for a position no read model reaches, and for a read model that does not exist', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    expect(await w.waitFor(['catalog'], { commit: 10n ** 15n, prepare: 0n }, 200)).toBe(false);
    expect(await w.waitFor(['nothing'], { commit: 0n, prepare: 0n }, 100)).toBe(false);
  });

  it('ignores messages of an older generation and positions that go backwards', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    const publisher = createCheckpointPublisher(side.redis, side.logger);
    await serve('fake', 2);
    await publisher.publish({ projection: 'fake', generation: 2, position: '50.5' });
    await eventually(() => expect(w.state('fake')?.position).toEqual(parsePosition('50.5')));
    await publisher.publish({ projection: 'fake', generation: 1, position: '90.9' });
    await publisher.publish({ projection: 'fake', generation: 2, position: '40.1' });
    // A marker after them on the same channel: once the watcher has it, it has had both.
    await serve('fake_marker', 1);
    await publisher.publish({ projection: 'fake_marker', generation: 1, position: '7.7' });
    await eventually(() => expect(w.state('fake_marker')?.position).toEqual(parsePosition('7.7')));
    expect(w.state('fake')).toMatchObject({ generation: 2, position: parsePosition('50.5') });
    await publisher.publish({ projection: 'fake', generation: 2, position: '60.0' });
    await eventually(() => expect(w.state('fake')?.position).toEqual(parsePosition('60.0')));
    expect(w.state('fake')?.generation).toBe(2);
    await serve('fake', 3);
    await publisher.publish({ projection: 'fake', generation: 3, position: '1.1' });
    await eventually(() =>
      expect(w.state('fake')).toMatchObject({ generation: 3, position: parsePosition('1.1') }),
    );
  });

  it('drops every cache when a runner takes the lease: the one before may have died after a lost message', async () => {
    const w = await watcher({ refreshMs: 600_000 });
    const invalidated = invalidations(w);
    expect(await w.waitFor(['catalog'], await list('prd_5'), 5_000)).toBe(true);
    expect(invalidated).not.toContain('*');
    // The same process takes the lease again (the same publisher: it knows of no loss).
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
