import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible, stock } from '../application/audit/test-fixtures.ts';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { cartDecider, cartStream } from '../domain/cart/cart.ts';
import { makeId, type UserId } from '../domain/shared/ids.ts';
import { withHashChain } from '../infra/eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { projections } from '../projections/registry.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { redisUrl } from '../test/support/isolation.ts';
import { replay } from './replay.ts';

const PRODUCTS = 40;
let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;

/** Everything the query API answers from the catalog and inventory read models. */
async function snapshot() {
  const admin = api.token('admin');
  const get = async (path: string, token?: string) => {
    const res = await api.http.request('GET', `/api/v1${path}`, token ? { token } : {});
    return { status: res.status, body: res.body };
  };
  const pages = [
    await get('/products?limit=100'),
    await get('/products?limit=100&sort_by=price_desc'),
    await get('/categories'),
    await get('/products/search?q=widget&limit=100'),
  ];
  for (let u = 0; u < 3; u += 1) pages.push(await get('/cart', api.token('customer', `usr_shopper${u}`)));
  for (let i = 0; i < PRODUCTS; i += 5) {
    pages.push(await get(`/products/prd_${i}`));
    pages.push(await get(`/inventory/prd_${i}`, admin));
  }
  return pages;
}

beforeAll(async () => {
  side = await createReadSideForTest('replay');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const store = withHashChain(side.store);
  for (let i = 0; i < PRODUCTS; i += 1) {
    const id = `prd_${i}`;
    await store.appendToStream(`product-${id}`, [
      {
        id: crypto.randomUUID(),
        type: 'ProductListed',
        data: productListedData(id, { name: `Widget ${i}`, category: `Cat ${i % 4}`, price: 100 + i }),
      },
    ]);
    await store.appendToStream(`stock-${id}`, [
      stock.received(id, 10 + i, 10 + i),
      stock.reserved(id, `rsv_${i}`, 1, 10 + i, 1),
    ]);
  }
  // Stored with its personal fields encrypted (the composed store): the users projection reads them decrypted.
  await appendEvent(side.store, 'user-usr_grace', 'UserRegistered', {
    schema_version: 1,
    user_id: 'usr_grace',
    email: 'grace@example.com',
    first_name: 'Grace',
    last_name: 'Hopper',
    phone: null,
    role: 'customer',
    registered_at: '2026-01-15T10:00:00.000Z',
  });
  const handler = createCommandHandler({ store });
  for (let u = 0; u < 3; u += 1) {
    const userId = `usr_shopper${u}` as UserId;
    await handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      metadata: { correlation_id: `req_cart${u}` },
      command: {
        type: 'AddItemToCart',
        data: {
          userId,
          cartItemId: makeId('cartItem', `line${u}`),
          product: {
            productId: makeId('product', String(u)),
            name: `Widget ${u}`,
            price: 100 + u,
            currency: 'USD',
            image: null,
            discontinued: false,
          },
          available: 10,
          quantity: 1 + u,
          now: '2026-01-15T10:00:00.000Z',
        },
      },
    });
  }
  expect(await service.waitFor(await allVisible(side.pool), 30_000)).toBe(true);
  api = await startQueryApiForTest(side);
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

describe('bin/replay', () => {
  it('a dry run rebuilds a shadow copy equal to the serving read models and swaps nothing', async () => {
    const before = await side.pool.query('SELECT projection, serving FROM projection_generations ORDER BY 1');
    const reports = await replay(side.deps, { names: 'all', dryRun: true });
    expect(reports.map((r) => r.projection)).toEqual(projections.map((p) => p.name));
    for (const r of reports) {
      for (const d of r.differences ?? [])
        expect(d, `${r.projection}.${d.table}`).toMatchObject({ onlyInA: 0, onlyInB: 0 });
      expect(r.differences?.length).toBeGreaterThan(0);
      if (['catalog', 'inventory', 'cart'].includes(r.projection))
        expect(r.events, r.projection).toBeGreaterThan(0);
    }
    // All rebuilt at once over one read of the log, each handed its own types only.
    const events = Object.fromEntries(reports.map((r) => [r.projection, r.events]));
    expect(events.catalog).toBe(PRODUCTS);
    expect(events.inventory).toBe(2 * PRODUCTS);
    const after = await side.pool.query('SELECT projection, serving FROM projection_generations ORDER BY 1');
    expect(after.rows).toEqual(before.rows);
    const shadows = await side.pool.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_dryrun_%'`,
    );
    expect(shadows.rows).toEqual([]);
  });

  it('the CLI reads the store as bin/start composes it: a dry run of users finds the decrypted rows', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/replay.ts', 'users', '--dry-run'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: side.database.url,
        REDIS_URL: redisUrl,
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toMatch(/users: 1 events/);
    expect(output).toMatch(/IDENTICAL/);
    expect(code, output).toBe(0);
  }, 60_000);

  it('a rebuild that loses its lease part-way fails and swaps nothing in', async () => {
    let cut = false;
    const run = replay(side.deps, {
      names: ['inventory'],
      dryRun: true,
      batchSize: 10,
      faults: {
        async afterWrites() {
          if (cut) return;
          cut = true;
          // What a failover or a network cut does to the lease's session.
          await side.pool.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'projection-leases:${process.pid}'`,
          );
          await sleep(300);
        },
      },
    });
    await expect(run).rejects.toThrow(/lost its lease/);
    expect(cut).toBe(true);
  });

  it('a dry run lists a difference when the serving read model has drifted', async () => {
    const { rows } = await side.pool.query(
      `SELECT serving FROM projection_generations WHERE projection = 'inventory'`,
    );
    await side.pool.query(
      `UPDATE rm_inventory_g${rows[0].serving}.stock SET on_hand = on_hand + 1 WHERE product_id = 'prd_3'`,
    );
    const [report] = await replay(side.deps, { names: ['inventory'], dryRun: true });
    expect(report!.differences).toEqual([{ table: 'stock', onlyInA: 1, onlyInB: 1 }]);
    await side.pool.query(
      `UPDATE rm_inventory_g${rows[0].serving}.stock SET on_hand = on_hand - 1 WHERE product_id = 'prd_3'`,
    );
  });

  it('a dry run lists a Redis read-model key that differs', async () => {
    const prefix = side.redis.options.keyPrefix ?? '';
    const [key] = await side.redis.keys(`${prefix}rm:cart:g*`);
    expect(key).toBeDefined();
    const local = key!.slice(prefix.length);
    const before = await side.redis.hget(local, 'doc');
    await side.redis.hset(local, 'doc', '{"tampered":true}');
    const [report] = await replay(side.deps, { names: ['cart'], dryRun: true });
    await side.redis.hset(local, 'doc', before ?? '');
    expect(report!.differences).toEqual([expect.objectContaining({ onlyInA: 1, onlyInB: 1 })]);
  });

  it('an interrupted replay resumes from its checkpoint, serving untouched; resume: false starts over', async () => {
    const pointer = async () =>
      (
        await side.pool.query(
          `SELECT serving, building FROM projection_generations WHERE projection = 'inventory'`,
        )
      ).rows[0] as { serving: number; building: number | null };
    const stockOf = async (generation: number) =>
      (await side.pool.query(`SELECT * FROM rm_inventory_g${generation}.stock ORDER BY product_id`)).rows;
    const { serving: before } = await pointer();
    const servedBefore = await stockOf(before);
    // The process dies (here: the subscription fails) after 30 events, i.e. after three batches of 10.
    const killedAfter = (limit: number): EventStore => {
      let delivered = 0;
      return {
        ...side.store,
        subscribeToAll: (options) => ({
          async *[Symbol.asyncIterator]() {
            for await (const item of side.store.subscribeToAll(options)) {
              if (item.kind === 'event' && ++delivered > limit) throw new Error('killed mid-replay');
              yield item;
            }
          },
        }),
      };
    };
    const interrupted = () =>
      replay({ ...side.deps, store: killedAfter(30) }, { names: ['inventory'], batchSize: 10 });
    await expect(interrupted()).rejects.toThrow('killed mid-replay');
    const left = await pointer();
    expect(left).toEqual({ serving: before, building: expect.any(Number) });
    const { rows } = await side.pool.query(
      `SELECT position FROM projection_checkpoints WHERE projection = 'inventory' AND generation = $1`,
      [left.building],
    );
    expect(rows[0].position).not.toBeNull();
    expect(await stockOf(before)).toEqual(servedBefore);

    const [resumed] = await replay(side.deps, { names: ['inventory'], batchSize: 10 });
    expect(resumed).toMatchObject({ generation: left.building, resumedFrom: rows[0].position });
    expect(await pointer()).toEqual({ serving: left.building, building: null });
    // The resumed generation equals one built from the first event (a dry run builds and compares one).
    const [check] = await replay(side.deps, { names: ['inventory'], dryRun: true });
    expect(check!.differences).toEqual([{ table: 'stock', onlyInA: 0, onlyInB: 0 }]);
    expect(await stockOf(left.building!)).toEqual(servedBefore);

    // Interrupted again, then started over: the unfinished generation is dropped, every event replayed.
    await expect(interrupted()).rejects.toThrow('killed mid-replay');
    const abandoned = (await pointer()).building!;
    const [fresh] = await replay(side.deps, { names: ['inventory'], resume: false });
    expect(fresh!.resumedFrom).toBeUndefined();
    expect(fresh!.generation).toBeGreaterThan(abandoned);
    expect(resumed!.events).toBe(fresh!.events - 30);
    const schemas = await side.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [
      `rm_inventory_g${abandoned}`,
    ]);
    expect(schemas.rows).toEqual([]);
    expect(await stockOf(fresh!.generation)).toEqual(servedBefore);
  });

  it('replaying every projection produces read models whose query API answers equal the live ones', async () => {
    const live = await snapshot();
    const progress: number[] = [];
    const reports = await replay(side.deps, {
      names: 'all',
      progress: () => ({ update: (events) => progress.push(events), stop: () => {} }),
    });
    const generations = await side.pool.query(
      'SELECT projection, serving FROM projection_generations ORDER BY 1',
    );
    expect(generations.rows.map((r) => r.serving)).toEqual(
      reports.sort((a, b) => a.projection.localeCompare(b.projection)).map((r) => r.generation),
    );
    // Per projection; one with no events in this log (e.g. pricing) reports 0.
    expect(Math.max(...progress)).toBeGreaterThan(0);
    // The query API follows the swap (checkpoint message, or its periodic refresh).
    let replayed = await snapshot();
    for (let i = 0; i < 40 && JSON.stringify(replayed) !== JSON.stringify(live); i++) {
      await sleep(100);
      replayed = await snapshot();
    }
    for (const [i, page] of replayed.entries())
      expect(JSON.stringify(page), `page ${i}`).toBe(JSON.stringify(live[i]));
    expect(live.every((page) => page.status === 200)).toBe(true);
  });
});
