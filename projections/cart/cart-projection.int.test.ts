import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjection } from '../../application/projection-runner/rebuild.ts';
import { createRedisDocWriter, readDoc } from '../../application/projection-runner/redis-docs.ts';
import { redisPrefix } from '../../application/projection-runner/types.ts';
import type { CartDoc, StockDoc } from '../../application/read-models/cart-doc.ts';
import { cartKey, stockKey } from '../../application/read-models/cart-keys.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position } from '../../infra/eventstore/position.ts';
import { createFixtureWriter } from '../orders/test-events.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { cartProjection } from './cart-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let head: Position;
const prefix = redisPrefix('cart', 1);

beforeAll(async () => {
  side = await createReadSideForTest('cartproj');
  service = createProjectionService(side.deps, { projections: [cartProjection], leaseRetryMs: 50 });
  service.start();
  const w = createFixtureWriter(side.store);
  await w.stock('prd_a', 5);
  await w.stock('prd_b', 1);
  await w.addToCart('usr_1', 'item_a', { product: 'prd_a', quantity: 2, price: 1_250 });
  await w.addToCart('usr_1', 'item_b', { product: 'prd_b', quantity: 3, price: 999 });
  await w.addToCart('usr_1', 'item_a', { product: 'prd_a', quantity: 1, price: 1_250 }, 3, 2);
  await w.changeQuantity('usr_1', 'item_b', 'prd_b', 3, 2);
  await w.addToCart('usr_2', 'item_c', { product: 'prd_a', quantity: 1, price: 1_250 });
  await w.removeItem('usr_2', 'item_c', 'prd_a', 1);
  await w.addToCart('usr_3', 'item_d', { product: 'prd_b', quantity: 1, price: 999 });
  await w.clearCart('usr_3');
  head = await w.stock('prd_b', 4, 1);
  expect(await service.waitFor(head, 20_000)).toBe(true);
});

afterAll(async () => {
  await service.stop();
  await side.close();
});

const snapshot = async (from = prefix) => {
  const keys = [cartKey('usr_1'), cartKey('usr_2'), cartKey('usr_3'), stockKey('prd_a'), stockKey('prd_b')];
  return Object.fromEntries(
    await Promise.all(keys.map(async (k) => [k, await readDoc(side.redis, from + k)])),
  );
};

async function allEvents(): Promise<RecordedEvent[]> {
  const streams = ['stock-prd_a', 'stock-prd_b', 'cart-usr_1', 'cart-usr_2', 'cart-usr_3'];
  const events = (await Promise.all(streams.map((s) => side.store.readStream(s)))).flat();
  return events.sort((a, b) => comparePositions(a.position, b.position));
}

describe('cart projection (Redis)', () => {
  it('given the events → each cart folded, each product’s availability beside it', async () => {
    const cart = (await readDoc<CartDoc>(side.redis, prefix + cartKey('usr_1'))).doc!;
    expect(cart).toMatchObject({ cartId: 'cart_1', userId: 'usr_1', coupon: null });
    expect(cart).not.toHaveProperty('checkout'); // its own shape, not the aggregate's state
    expect(cart.lines.map((l) => [l.cartItemId, l.productId, l.quantity, l.unitPrice])).toEqual([
      ['item_a', 'prd_a', 3, 1_250],
      ['item_b', 'prd_b', 2, 999],
    ]);
    expect((await readDoc<CartDoc>(side.redis, prefix + cartKey('usr_2'))).doc!.lines).toEqual([]);
    expect((await readDoc<CartDoc>(side.redis, prefix + cartKey('usr_3'))).doc!.lines).toEqual([]);
    expect((await readDoc<StockDoc>(side.redis, prefix + stockKey('prd_a'))).doc).toEqual({ available: 5 });
    const b = await readDoc<StockDoc>(side.redis, prefix + stockKey('prd_b'));
    expect(b.doc).toEqual({ available: 3 });
    expect(b.position).toEqual(head);
  });

  it('the same events again, or any prefix of them, change nothing (position guard per key)', async () => {
    const before = await snapshot();
    const events = await allEvents();
    const context = { prefix, invalidate: () => {}, logger: side.logger };
    for (const length of [events.length, 4, 1]) {
      for (const event of events.slice(0, length))
        await cartProjection.apply(event, createRedisDocWriter(side.redis, prefix, event.position), context);
      expect(await snapshot()).toEqual(before);
    }
  });

  it('a rebuild from the first event writes a new key prefix equal to the serving one', async () => {
    const before = await snapshot();
    const result = await rebuildProjection(cartProjection, side.deps);
    expect(result.generation).toBe(2);
    expect(await snapshot(redisPrefix('cart', 2))).toEqual(before);
  });
});

describe('cart projection and variants', () => {
  it("keeps a variant's availability under its own key, the product's untouched", async () => {
    const appended = await side.store.appendToStream('stock-prd_v~var_m', [
      {
        id: crypto.randomUUID(),
        type: 'StockReceived',
        data: {
          schema_version: 2,
          product_id: 'prd_v',
          variant_id: 'var_m',
          quantity: 7,
          on_hand: 7,
          reserved: 0,
        },
        metadata: { correlation_id: 'test' },
      },
    ]);
    expect(await service.waitFor(appended.position, 20_000)).toBe(true);
    expect((await readDoc<StockDoc>(side.redis, prefix + stockKey('prd_v~var_m'))).doc).toEqual({
      available: 7,
    });
    expect((await readDoc<StockDoc>(side.redis, prefix + stockKey('prd_v'))).doc).toBeUndefined();
  });
});
