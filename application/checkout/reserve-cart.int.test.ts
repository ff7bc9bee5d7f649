import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutStream } from '../../domain/checkout/checkout.ts';
import { listReservations, stockStream } from '../../domain/inventory/stock.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import { type CheckoutWorld, createCheckoutWorld } from './test-support.ts';

/** Every stock event carries the levels after it: check the invariants after every single step. */
async function expectLevelsSoundAfterEveryEvent(world: CheckoutWorld, productId: ProductId) {
  const events = await world.readAllOf(stockStream(productId));
  for (const event of events) {
    const { on_hand, reserved } = event.data as { on_hand: number; reserved: number };
    expect(on_hand).toBeGreaterThanOrEqual(0);
    expect(reserved).toBeGreaterThanOrEqual(0);
    expect(reserved).toBeLessThanOrEqual(on_hand);
  }
  const state = await world.stock(productId);
  const last = events.at(-1)?.data as { on_hand: number; reserved: number };
  // What is reserved is what the active reservations hold, and the folded state agrees with the last
  // event's levels.
  const held = Object.values(listReservations(state.reservations))
    .filter((r) => r.status === 'active')
    .reduce((sum, r) => sum + r.quantity, 0);
  expect(state.reserved).toBe(held);
  expect({ onHand: state.onHand, reserved: state.reserved }).toEqual({
    onHand: last.on_hand,
    reserved: last.reserved,
  });
  return state;
}

describe('ReserveStock for a whole cart, all or nothing', () => {
  let world: CheckoutWorld;
  beforeAll(async () => {
    world = await createCheckoutWorld('reserve_cart');
  });
  afterAll(() => world.close());

  it('50 units, 200 customers at once: exactly 50 reserve, then all 50 orders confirm and on hand is 0', async () => {
    const product = world.newProduct();
    await world.receive(product, 50);
    const customers = Array.from({ length: 200 }, () => world.newUser());
    for (const customer of customers) await world.addToCart(customer, product, 1);

    const outcomes = await Promise.allSettled(
      customers.map((c) => world.services.reserveCart(c, world.metadata)),
    );
    const won = outcomes.flatMap((o, i) =>
      o.status === 'fulfilled' ? [{ customer: customers[i]!, reservation: o.value }] : [],
    );
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(50);
    expect(lost).toHaveLength(150);
    for (const failure of lost) expect(failure.reason).toMatchObject({ code: ErrorCode.InsufficientStock });
    const afterReserving = await expectLevelsSoundAfterEveryEvent(world, product);
    expect(afterReserving).toMatchObject({ onHand: 50, reserved: 50 });

    const orders = await Promise.all(
      won.map(({ customer, reservation }) =>
        world.placeOrder(customer, { reservationId: reservation.reservationId }),
      ),
    );
    expect(orders.map((o) => o.state.status)).toEqual(Array(50).fill('confirmed'));
    const sold = await expectLevelsSoundAfterEveryEvent(world, product);
    expect(sold).toMatchObject({ onHand: 0, reserved: 0 });
    expect(await world.chargeRows()).toHaveLength(50);
  });

  it('20 customers buying 3 of 5 products each, lines in random order: no deadlock, no oversell, failures compensated', async () => {
    const products = Array.from({ length: 5 }, () => world.newProduct());
    for (const product of products) await world.receive(product, 7);
    const customers: UserId[] = [];
    for (let i = 0; i < 20; i++) {
      const customer = world.newUser();
      customers.push(customer);
      const picked = [...products].sort(() => Math.random() - 0.5).slice(0, 3);
      for (const product of picked) await world.addToCart(customer, product, 1 + (i % 2));
    }
    const outcomes = await Promise.allSettled(
      customers.map((c) => world.services.reserveCart(c, world.metadata)),
    );
    const succeeded = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(succeeded.length + failed.length).toBe(20);
    expect(succeeded.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // 5 × 7 units cannot serve 20 × 3 lines × 1.5 units
    for (const failure of failed) expect(failure.reason).toMatchObject({ code: ErrorCode.InsufficientStock });

    // Held stock is exactly what the successful reservations asked for: every failed one gave all back.
    const heldBySuccess = new Map<string, number>();
    for (const reservation of succeeded)
      for (const item of reservation.items)
        heldBySuccess.set(item.product_id, (heldBySuccess.get(item.product_id) ?? 0) + item.quantity);
    for (const product of products) {
      const state = await expectLevelsSoundAfterEveryEvent(world, product);
      expect(state.reserved).toBe(heldBySuccess.get(product) ?? 0);
      const ids = new Set(succeeded.map((r) => r.reservationId as string));
      for (const [id, reservation] of Object.entries(listReservations(state.reservations)))
        expect(reservation.status).toBe(ids.has(id) ? 'active' : 'released');
    }
  });

  it('an empty cart is 409 BIZ_4003 and holds nothing', async () => {
    await expect(world.services.reserveCart(world.newUser(), world.metadata)).rejects.toMatchObject({
      code: ErrorCode.CartEmpty,
    });
  });

  it('names every short line and records the failed checkout', async () => {
    const [ok, shortA, shortB] = [world.newProduct(), world.newProduct(), world.newProduct()];
    await world.receive(ok, 10);
    await world.receive(shortA, 1);
    const customer = world.newUser();
    await world.addToCart(customer, ok, 2);
    await world.addToCart(customer, shortA, 3);
    await world.addToCart(customer, shortB, 1);
    const error = await world.services.reserveCart(customer, world.metadata).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.InsufficientStock });
    const fields = (error as { details: { field: string }[] }).details.map((d) => d.field).sort();
    expect(fields).toEqual([`items.${shortA}.quantity`, `items.${shortB}.quantity`].sort());
    expect((await world.stock(ok)).reserved).toBe(0);
    expect((await world.stock(shortA)).reserved).toBe(0);
  });

  it("gives a reservation back to its owner; someone else's is not found", async () => {
    const product = world.newProduct();
    await world.receive(product, 5);
    const customer = world.newUser();
    await world.addToCart(customer, product, 4);
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    expect((await world.stock(product)).reserved).toBe(4);
    await expect(
      world.services.releaseReservation({ userId: world.newUser(), reservationId, metadata: world.metadata }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await world.services.releaseReservation({ userId: customer, reservationId, metadata: world.metadata });
    expect((await world.stock(product)).reserved).toBe(0);
    const types = (await world.readAllOf(checkoutStream(reservationId))).map((e) => e.type);
    expect(types).toEqual(['CheckoutStarted', 'CheckoutStockReserved', 'CheckoutReleased']);
    // A released reservation cannot be ordered on: 410 BIZ_4007.
    await expect(world.placeOrder(customer, { reservationId })).rejects.toMatchObject({
      code: ErrorCode.ReservationExpired,
    });
  });
});
