import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjection } from '../../application/projection-runner/rebuild.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { comparePositions } from '../../infra/eventstore/position.ts';
import { createFixtureWriter } from '../orders/test-events.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../test-support.ts';
import { recommendationsProjection } from './recommendations-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
const schema = 'rm_recommendations_g1';

beforeAll(async () => {
  side = await createReadSideForTest('recsproj');
  service = createProjectionService(side.deps, {
    projections: [recommendationsProjection],
    leaseRetryMs: 50,
  });
  service.start();
  const w = createFixtureWriter(side.store);
  for (const [id, category] of [
    ['prd_cam', 'Cameras'],
    ['prd_sd', 'Storage'],
    ['prd_bag', 'Bags'],
    ['prd_tri', 'Cameras'],
  ] as const)
    await appendEvent(side.store, `product-${id}`, 'ProductListed', productListedData(id, { category }));
  const line = (product: string) => ({ product, quantity: 1, price: 1_000 });
  await w.addToCart('usr_1', 'item_1', line('prd_cam'));
  await w.addToCart('usr_2', 'item_2', line('prd_cam'));
  await w.addToCart('usr_2', 'item_3', line('prd_sd'));
  // Three confirmed orders with the camera; two of them with the card, one with the bag.
  await w.placeOrder('ord_1', 'usr_1', [line('prd_cam'), line('prd_sd')]);
  await w.confirmOrder('ord_1', 1);
  await w.placeOrder('ord_2', 'usr_2', [line('prd_cam'), line('prd_sd'), line('prd_bag')]);
  await w.confirmOrder('ord_2', 1);
  await w.placeOrder('ord_3', 'usr_3', [line('prd_cam')]);
  await w.confirmOrder('ord_3', 1);
  // Placed but never confirmed: no purchase, no pair.
  await w.placeOrder('ord_4', 'usr_3', [line('prd_bag'), line('prd_tri')]);
  // Confirmed, then cancelled: counted, then taken back.
  await w.placeOrder('ord_5', 'usr_4', [line('prd_tri'), line('prd_bag')]);
  await w.confirmOrder('ord_5', 1);
  const head = await w.cancelOrder('ord_5', 'usr_4', 'confirmed', 2_000);
  expect(await service.waitFor(head, 20_000)).toBe(true);
});

afterAll(async () => {
  await service.stop();
  await side.close();
});

const table = (name: string, order: string, from = schema) =>
  sql<Record<string, unknown>>`SELECT * FROM ${sql.table(`${from}.${name}`)} ORDER BY ${sql.raw(order)}`
    .execute(side.db)
    .then((r) => r.rows);

const snapshot = async (from = schema) => ({
  stats: await table('product_stats', 'product_id', from),
  pairs: await table('product_pairs', 'product_id, other_id', from),
  categories: await table('user_categories', 'user_id, category', from),
  bought: await table('user_products', 'user_id, product_id', from),
});

describe('recommendations projection (PostgreSQL)', () => {
  it('given the events → weighted counters, co-purchase pairs of confirmed orders, buyers’ categories', async () => {
    const { stats, pairs, categories } = await snapshot();
    expect(stats).toEqual([
      { product_id: 'prd_bag', category: 'Bags', cart_adds: 0, purchases: 1, score: 10 },
      { product_id: 'prd_cam', category: 'Cameras', cart_adds: 2, purchases: 3, score: 36 },
      { product_id: 'prd_sd', category: 'Storage', cart_adds: 1, purchases: 2, score: 23 },
      { product_id: 'prd_tri', category: 'Cameras', cart_adds: 0, purchases: 0, score: 0 },
    ]);
    expect(pairs.map((p) => [p.product_id, p.other_id, p.orders])).toEqual([
      ['prd_bag', 'prd_cam', 1],
      ['prd_bag', 'prd_sd', 1],
      ['prd_cam', 'prd_bag', 1],
      ['prd_cam', 'prd_sd', 2],
      ['prd_sd', 'prd_bag', 1],
      ['prd_sd', 'prd_cam', 2],
    ]);
    expect(categories.map((c) => [c.user_id, c.category, c.purchases])).toEqual([
      ['usr_1', 'Cameras', 1],
      ['usr_1', 'Storage', 1],
      ['usr_2', 'Bags', 1],
      ['usr_2', 'Cameras', 1],
      ['usr_2', 'Storage', 1],
      ['usr_3', 'Cameras', 1],
    ]);
  });

  it('the same events again change nothing (per-stream revision guard)', async () => {
    const before = await snapshot();
    const streams = [
      ...['prd_cam', 'prd_sd', 'prd_bag', 'prd_tri'].map((p) => `product-${p}`),
      'cart-usr_1',
      'cart-usr_2',
      ...[1, 2, 3, 4, 5].map((n) => `order-ord_${n}`),
    ];
    const events: RecordedEvent[] = (await Promise.all(streams.map((s) => side.store.readStream(s))))
      .flat()
      .sort((a, b) => comparePositions(a.position, b.position));
    await side.db.transaction().execute(async (trx) => {
      const context = { schema, invalidate: () => {}, logger: side.logger };
      for (const event of events)
        await recommendationsProjection.apply(event, trx.withSchema(schema), context);
    });
    expect(await snapshot()).toEqual(before);
  });

  it('a rebuild from the first event gives a new generation equal to the serving one', async () => {
    const before = await snapshot();
    const result = await rebuildProjection(recommendationsProjection, side.deps);
    expect(result.generation).toBe(2);
    expect(await snapshot('rm_recommendations_g2')).toEqual(before);
  });
});
