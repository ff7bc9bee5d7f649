import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../application/checkout/test-support.ts';
import { rebuildProjection } from '../../application/projection-runner/rebuild.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { comparePositions } from '../../infra/eventstore/position.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { ordersProjection } from './orders-projection.ts';
import { at, createFixtureWriter } from './test-events.ts';

let side: ReadSideForTest;
let service: ProjectionService;

beforeAll(async () => {
  side = await createReadSideForTest('ordersproj');
  service = createProjectionService(side.deps, {
    projections: [ordersProjection],
    leaseRetryMs: 50,
    generationCheckMs: 100,
    retiredGraceMs: 8_000,
  });
  service.start();
  const w = createFixtureWriter(side.store);
  await w.placeOrder('ord_1', 'usr_1', [
    { product: 'prd_a', quantity: 2, price: 1_250 },
    { product: 'prd_b', quantity: 1, price: 999 },
  ]);
  await w.confirmOrder('ord_1', 4_857);
  await w.shipOrder('ord_1');
  await w.placeOrder('ord_2', 'usr_1', [{ product: 'prd_a', quantity: 1, price: 1_250 }], 12);
  await w.cancelOrder('ord_2', 'usr_1', 'pending', 0);
  const head = await w.placeOrder('ord_3', 'usr_2', [{ product: 'prd_c', quantity: 4, price: 5_000 }], 13);
  expect(await service.waitFor(head, 20_000)).toBe(true);
});

afterAll(async () => {
  await service.stop();
  await side.close();
});

const rows = async (generation = 1) =>
  (
    await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(`rm_orders_g${generation}.orders`)}
      ORDER BY order_id`.execute(side.db)
  ).rows;

describe('orders projection (PostgreSQL)', () => {
  it('given the events → one row per order with status, totals and the folded order', async () => {
    const [o1, o2, o3] = await rows();
    expect(o1).toMatchObject({
      order_id: 'ord_1',
      user_id: 'usr_1',
      status: 'shipped',
      total: String(2_500 + 999 + 280 + 1_000),
      item_count: 3,
      revision: '3',
    });
    expect((o1!.updated_at as Date).toISOString()).toBe(at(21));
    const state = o1!.state as { trackingNumber: string; placed: { items: unknown[] }; payment: unknown };
    expect(state.trackingNumber).toBe('TRK-ord_1');
    expect(state.placed.items).toHaveLength(2);
    expect(state.payment).toMatchObject({ paymentId: 'pay_ord_1' });
    expect(o2).toMatchObject({ status: 'cancelled', item_count: 1, revision: '1' });
    expect(o3).toMatchObject({ user_id: 'usr_2', status: 'pending', item_count: 4, revision: '0' });
  });

  // Newest first: an order's older events come last, so only the guard keeps them from winning.
  it('the same events again, newest first, change nothing (revision guard per order)', async () => {
    const before = await rows();
    const streams = ['order-ord_1', 'order-ord_2', 'order-ord_3'];
    const events: RecordedEvent[] = (await Promise.all(streams.map((s) => side.store.readStream(s))))
      .flat()
      .sort((a, b) => comparePositions(b.position, a.position));
    const schema = 'rm_orders_g1';
    await side.db.transaction().execute(async (trx) => {
      const context = { schema, invalidate: () => {}, logger: side.logger };
      for (const event of events) await ordersProjection.apply(event, trx.withSchema(schema), context);
    });
    expect(await rows()).toEqual(before);
  });

  it("an erasure masks the addresses of the person's orders and the reasons they typed, nothing else", async () => {
    const w = createFixtureWriter(side.store);
    await w.placeOrder('ord_4', 'usr_4', [{ product: 'prd_a', quantity: 1, price: 1_250 }], 14);
    await w.cancelOrder('ord_4', 'usr_admin', 'pending', 0); // an admin's words about usr_4's order
    const erase = (user: string) =>
      side.store.appendToStream(`user-${user}`, [
        {
          id: randomUUID(),
          type: 'UserErased',
          data: { schema_version: 1, user_id: user, erased_by: user, erased_at: at(40) },
        },
      ]);
    expect(await service.waitFor((await erase('usr_admin')).position, 20_000)).toBe(true);
    const state = async (order: string) =>
      (await rows()).find((row) => row.order_id === order)!.state as {
        placed: { shipping_address: { street: string } };
        cancellation: { reason: string };
      };
    expect((await state('ord_4')).cancellation.reason).toBe('[erased]');
    expect((await state('ord_4')).placed.shipping_address.street).not.toBe('[erased]');
    expect((await state('ord_2')).cancellation.reason).toBe('changed my mind');

    expect(await service.waitFor((await erase('usr_4')).position, 20_000)).toBe(true);
    expect((await state('ord_4')).placed.shipping_address.street).toBe('[erased]');
    expect((await state('ord_2')).placed.shipping_address.street).not.toBe('[erased]');
  });

  it('a rebuild from the first event gives a new generation equal to the serving one', async () => {
    const before = await rows(1);
    const result = await rebuildProjection(ordersProjection, side.deps);
    expect(result.generation).toBe(2);
    expect(await rows(2)).toEqual(before);
  });

  it('the generation a rebuild replaced is dropped by the serving runner once the swap is a grace old', async () => {
    const schemas = async () =>
      (
        await sql<{ name: string }>`SELECT nspname AS name FROM pg_namespace
          WHERE nspname LIKE 'rm_orders_g%' ORDER BY nspname`.execute(side.db)
      ).rows.map((row) => row.name);
    const checkpoints = async () =>
      (
        await sql<{ generation: number }>`SELECT generation FROM projection_checkpoints
          WHERE projection = 'orders' ORDER BY generation`.execute(side.db)
      ).rows.map((row) => row.generation);
    // Kept for queries still reading it until the swap (the test before) is the grace old…
    expect(await schemas()).toEqual(['rm_orders_g1', 'rm_orders_g2']);
    // …then dropped: the schema first, then its checkpoint row.
    await eventually(async () => {
      expect(await schemas()).toEqual(['rm_orders_g2']);
      expect(await checkpoints()).toEqual([2]);
    });
  });
});
