import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import { keyedIds } from './keyed-ids.ts';
import { type CheckoutWorld, createCheckoutWorld } from './test-support.ts';
import type { WorkflowStep } from './workflow-deps.ts';

class Crash extends Error {}

/**
 * The request dies right after a step (a fault thrown there); the client retries. With the same key it
 * resumes the same reservation and order; without one, the dead attempt blocks others (BIZ_4010) until
 * its window passes, and then the next request takes the same order up: one order, one charge.
 */
describe('retries after a request died mid-checkout', () => {
  let world: CheckoutWorld;
  let crashAfter: WorkflowStep | undefined;
  beforeAll(async () => {
    world = await createCheckoutWorld('checkout_keyed_retry');
    world.faults.after = (step) => {
      if (step === crashAfter) {
        crashAfter = undefined;
        throw new Crash(`crashed after ${step}`);
      }
    };
  });
  beforeEach(() => {
    crashAfter = undefined;
  });
  afterAll(() => world.close());

  async function shopper() {
    const customer: UserId = world.newUser();
    const products: ProductId[] = [world.newProduct(), world.newProduct()];
    for (const product of products) {
      await world.receive(product, 10);
      await world.addToCart(customer, product, 1, 2000);
    }
    return { customer, products };
  }
  const place = (customer: UserId, idempotencyKey?: string) =>
    world.placeOrder(customer, idempotencyKey ? { idempotencyKey } : {});

  it('a keyed reservation resumes its own checkout: same id, each line held once', async () => {
    const { customer, products } = await shopper();
    const { reservationId } = keyedIds(customer, 'reservations', 'k1');
    crashAfter = 'line-reserved';
    await expect(
      world.services.reserveCart(customer, world.metadata, { reservationId }),
    ).rejects.toBeInstanceOf(Crash);
    const again = await world.services.reserveCart(customer, world.metadata, { reservationId });
    expect(again.reservationId).toBe(reservationId);
    for (const product of products) expect(await world.stock(product)).toMatchObject({ reserved: 1 });
  });

  for (const step of ['checkout-started', 'order-attached', 'cart-checked-out'] as const)
    it(`a keyed order that died after ${step} is resumed by its retry`, async () => {
      const { customer, products } = await shopper();
      crashAfter = step;
      await expect(place(customer, 'key-1')).rejects.toBeInstanceOf(Crash);
      const { orderId, state } = await place(customer, 'key-1');
      expect(orderId).toBe(keyedIds(customer, 'orders', 'key-1').orderId);
      expect(state.status).toBe('confirmed');
      expect(await world.chargeRows(orderId)).toHaveLength(1);
      for (const product of products)
        expect(await world.stock(product)).toMatchObject({ onHand: 9, reserved: 0 });
    });

  it("a retry after the cart's coupon changed gives back what the dead attempt redeemed", async () => {
    const { customer } = await shopper();
    await world.createCoupon('SWAP-FROM', 1);
    await world.createCoupon('SWAP-TO', 1);
    await world.applyCoupon(customer, 'SWAP-FROM');
    crashAfter = 'coupon-redeemed';
    await expect(place(customer, 'swap')).rejects.toBeInstanceOf(Crash);
    const orderId = keyedIds(customer, 'orders', 'swap').orderId;
    expect(await world.redemptions('SWAP-FROM')).toEqual([orderId]);

    await world.removeCoupon(customer);
    await world.applyCoupon(customer, 'SWAP-TO');
    const { state } = await place(customer, 'swap');
    expect(state.status).toBe('confirmed');
    expect(state.placed?.coupon).toBe('SWAP-TO');
    expect(await world.redemptions('SWAP-TO')).toEqual([orderId]);
    // The coupon the order does not use is free again: its one use is not lost to the dead attempt.
    expect(await world.redemptions('SWAP-FROM')).toEqual([]);
  });

  it('without a key: BIZ_4010 while the dead attempt may still pay, then the same order is taken up', async () => {
    const { customer } = await shopper();
    crashAfter = 'order-placed';
    await expect(place(customer)).rejects.toBeInstanceOf(Crash);
    await expect(place(customer)).rejects.toMatchObject({ code: ErrorCode.CheckoutInProgress });
    world.clock.advance(31_000);
    try {
      const { orderId, state } = await place(customer);
      expect(state.status).toBe('confirmed');
      const placed = await world.pool.query(
        `SELECT 1 FROM messages WHERE type = 'OrderPlaced' AND data->>'user_id' = $1`,
        [customer],
      );
      expect(placed.rowCount).toBe(1);
      expect(world.chargeCalls.filter((c) => c.idempotencyKey === orderId)).toHaveLength(1);
    } finally {
      world.clock.advance(-31_000);
    }
  });
});
