import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { ReservationId } from '../../domain/shared/ids.ts';
import { createStockWriter } from './stock-writer.ts';
import { type CheckoutWorld, createCheckoutWorld } from './test-support.ts';

describe('stock writer: batched per stock item, never overselling', () => {
  let world: CheckoutWorld;
  beforeAll(async () => {
    world = await createCheckoutWorld('stock_writer');
  });
  afterAll(() => world.close());

  const reserve = (productId: string, i: number, tag = 'w') => ({
    type: 'ReserveStock' as const,
    data: {
      productId: productId as never,
      reservationId: `rsv_${tag}${i}` as ReservationId,
      quantity: 1,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      now: new Date().toISOString(),
    },
  });
  const writer = () => createStockWriter({ store: world.store, handler: world.handler, clock: world.clock });

  it('decides each queued command on its own: the short ones alone are refused', async () => {
    const product = world.newProduct();
    await world.receive(product, 30);
    const stock = writer();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => stock.execute(reserve(product, i), world.metadata)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(30);
    for (const o of outcomes.filter((o) => o.status === 'rejected'))
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.InsufficientStock });
    expect(await world.stock(product)).toMatchObject({ onHand: 30, reserved: 30 });
    expect(await stock.available(product)).toBe(0);
    // Fewer appends than commands: the queue was decided in batches.
    const events = await world.readAllOf(stockStream(product));
    const reservedEvents = events.filter((e) => e.type === 'StockReserved');
    expect(reservedEvents).toHaveLength(30);
    expect(new Set(reservedEvents.map((e) => e.position.commit)).size).toBeLessThan(30);
  });

  it('two writers (two processes) on one hot item still sell each unit once', async () => {
    const product = world.newProduct();
    await world.receive(product, 40);
    const [a, b] = [writer(), writer()];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 ? a : b).execute(reserve(product, i, 'two'), world.metadata),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(40);
    const events = await world.readAllOf(stockStream(product));
    for (const event of events)
      expect(event.data.reserved as number).toBeLessThanOrEqual(event.data.on_hand as number);
    expect(await world.stock(product)).toMatchObject({ onHand: 40, reserved: 40 });
  });

  it('notices a write it did not make (a conflict) and decides again on fresh state', async () => {
    const product = world.newProduct();
    await world.receive(product, 3);
    const stock = writer();
    await stock.execute(reserve(product, 1, 'fresh'), world.metadata); // the writer now knows 2 are left
    await world.handler.handle({
      decider: stockDecider,
      stream: stockStream(product),
      metadata: world.metadata,
      command: { type: 'AdjustStock', data: { productId: product, quantity: -2, reason: 'breakage' } },
    });
    await expect(stock.execute(reserve(product, 2, 'fresh'), world.metadata)).rejects.toMatchObject({
      code: ErrorCode.InsufficientStock,
    });
    expect(await world.stock(product)).toMatchObject({ onHand: 1, reserved: 1 });
  });

  it('refuses nothing on a remembered state: stock received elsewhere after a sell-out is sold', async () => {
    const product = world.newProduct();
    await world.receive(product, 2);
    const stock = writer();
    await stock.execute(reserve(product, 1, 'restock'), world.metadata);
    await stock.execute(reserve(product, 2, 'restock'), world.metadata); // sold out, as the writer knows
    await world.receive(product, 5); // through the command handler, as POST /inventory/{id}/receive does
    const [one, two] = [reserve(product, 3, 'restock'), reserve(product, 4, 'restock')];
    expect(await stock.execute(one, world.metadata)).toHaveLength(1);
    expect(await stock.execute(two, world.metadata)).toHaveLength(1);
    expect(await stock.available(product)).toBe(3);
    expect(await world.stock(product)).toMatchObject({ onHand: 7, reserved: 4 });
  });

  it('remembers a bounded number of stock items; a forgotten one is read again, not appended blind', async () => {
    const [first, second] = [world.newProduct(), world.newProduct()];
    await world.receive(first, 3);
    await world.receive(second, 3);
    const { store } = world;
    let appends = 0;
    const counting: typeof store = {
      ...store,
      appendToStream: (...args) => {
        appends += 1;
        return store.appendToStream(...args);
      },
    };
    const stock = createStockWriter({
      store: counting,
      handler: world.handler,
      clock: world.clock,
      maxKnown: 1,
    });
    await stock.execute(reserve(first, 1, 'lru'), world.metadata);
    await stock.execute(reserve(second, 1, 'lru'), world.metadata); // the first item is forgotten
    await world.receive(first, 4); // a write the writer did not make
    await stock.execute(reserve(first, 2, 'lru'), world.metadata);
    // Read fresh, appended once; a remembered (stale) state would have conflicted and appended twice.
    expect(appends).toBe(3);
    expect(await world.stock(first)).toMatchObject({ onHand: 7, reserved: 2 });
  });

  it('a repeated command decides nothing and appends nothing', async () => {
    const product = world.newProduct();
    await world.receive(product, 5);
    const stock = writer();
    const command = reserve(product, 1, 'again');
    expect(await stock.execute(command, world.metadata, `reserve:again:${product}`)).toHaveLength(1);
    expect(await writer().execute(command, world.metadata, `reserve:again:${product}`)).toEqual([]);
    expect(
      (await world.readAllOf(stockStream(product))).filter((e) => e.type === 'StockReserved'),
    ).toHaveLength(1);
  });
});
