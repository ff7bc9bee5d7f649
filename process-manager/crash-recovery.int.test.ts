import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStockWriter } from '../application/checkout/stock-writer.ts';
import {
  address,
  type CheckoutWorld,
  createCheckoutWorld,
  eventually,
  visa,
} from '../application/checkout/test-support.ts';
import type { WorkflowStep } from '../application/checkout/workflow-deps.ts';
import { checkoutStream } from '../domain/checkout/checkout.ts';
import { listReservations } from '../domain/inventory/stock.ts';
import type { OrderId, ProductId, UserId } from '../domain/shared/ids.ts';
import type { ProcessManager } from './start.ts';
import { createTimerActions } from './timers/timer-actions.ts';

class Crash extends Error {}

/**
 * The process dies between two steps of the checkout (a fault injected right after a step): the process
 * manager, reading only what the events and the provider's ledger say, finishes or compensates the work.
 */
describe('checkout workflow resumes after a crash at any step', () => {
  let world: CheckoutWorld;
  let manager: ProcessManager;
  let crashAfter: WorkflowStep | undefined;
  beforeAll(async () => {
    world = await createCheckoutWorld('checkout_crash', { ttlSeconds: 2 });
    world.faults.after = (step) => {
      if (step === crashAfter) {
        crashAfter = undefined;
        throw new Crash(`crashed after ${step}`);
      }
    };
    manager = await world.startProcessManager();
  });
  beforeEach(() => {
    crashAfter = undefined;
  });
  afterAll(() => world.close());

  async function shopper(quantity = 2) {
    const product: ProductId = world.newProduct();
    await world.receive(product, 10);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, product, quantity);
    return { product, customer };
  }
  const place = (customer: UserId, reservationId?: string) =>
    world.services.placeOrder({
      userId: customer,
      shippingAddress: address,
      billingAddress: address,
      paymentMethod: visa,
      ...(reservationId ? { reservationId: reservationId as never } : {}),
      metadata: world.metadata,
    });
  const attachedOrder = async (reservationId: string) =>
    (await world.readAllOf(checkoutStream(reservationId))).find((e) => e.type === 'CheckoutOrderAttached')
      ?.data.order_id as OrderId;

  it('after the charge, before the confirmation: confirms on restart without charging again', async () => {
    const { product, customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    crashAfter = 'charged';
    await expect(place(customer, reservationId)).rejects.toBeInstanceOf(Crash);
    const orderId = await attachedOrder(reservationId);
    expect((await world.order(orderId)).status).toBe('pending');
    await eventually(async () => expect((await world.order(orderId)).status).toBe('confirmed'));
    await eventually(async () =>
      expect(await world.stock(product)).toMatchObject({ onHand: 8, reserved: 0 }),
    );
    await eventually(async () => expect((await world.cart(customer)).lines).toEqual([]));
    expect(world.chargeCalls.filter((c) => c.idempotencyKey === orderId)).toHaveLength(1);
    expect(await world.chargeRows(orderId)).toHaveLength(1);
  });

  it('after the confirmation, before the stock commit: the commit and the cart follow', async () => {
    const { product, customer } = await shopper();
    crashAfter = 'confirmed';
    await expect(place(customer)).rejects.toBeInstanceOf(Crash);
    await eventually(async () =>
      expect(await world.stock(product)).toMatchObject({ onHand: 8, reserved: 0 }),
    );
    await eventually(async () => expect((await world.cart(customer)).lines).toEqual([]));
  });

  it('after the stock commit, before the cart: the cart is checked out and the checkout completed', async () => {
    const { customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    crashAfter = 'stock-committed';
    await expect(place(customer, reservationId)).rejects.toBeInstanceOf(Crash);
    await eventually(async () => {
      const types = (await world.readAllOf(checkoutStream(reservationId))).map((e) => e.type);
      expect(types.at(-1)).toBe('CheckoutCompleted');
    });
    expect((await world.cart(customer)).lines).toEqual([]);
  });

  it('after reserving, before the order exists: the reservation simply lapses', async () => {
    const { product, customer } = await shopper(3);
    const charges = world.chargeCalls.length;
    crashAfter = 'line-reserved';
    await expect(place(customer)).rejects.toBeInstanceOf(Crash);
    expect((await world.stock(product)).reserved).toBe(3);
    await eventually(async () => expect((await world.stock(product)).reserved).toBe(0));
    const [reservation] = Object.values(listReservations((await world.stock(product)).reservations));
    expect(reservation?.status).toBe('expired');
    expect(world.chargeCalls.length).toBe(charges);
  });

  it('after placing the order, before the charge: nothing charged, the order cancelled once its reservation lapsed', async () => {
    const { product, customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    crashAfter = 'order-placed';
    await expect(place(customer, reservationId)).rejects.toBeInstanceOf(Crash);
    const orderId = await attachedOrder(reservationId);
    await eventually(async () => expect((await world.order(orderId)).status).toBe('cancelled'));
    await eventually(async () => expect((await world.stock(product)).reserved).toBe(0));
    expect(await world.chargeRows(orderId)).toHaveLength(0);
    expect((await world.order(orderId)).cancellation).toMatchObject({ refundAmount: 0 });
  });

  it('after a paid order is cancelled, before its effects: stock returned and the refund paid once', async () => {
    const { product, customer } = await shopper();
    const { orderId } = await place(customer);
    crashAfter = 'cancelled';
    await expect(
      world.services.cancelOrder({
        orderId,
        actor: { userId: customer, role: 'customer' },
        reason: 'oops',
        metadata: world.metadata,
      }),
    ).rejects.toBeInstanceOf(Crash);
    await eventually(async () => expect((await world.order(orderId)).refund).not.toBeNull());
    expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 0 });
    const { rows } = await world.pool.query('SELECT * FROM sandbox_refunds WHERE idempotency_key = $1', [
      `refund-${orderId}`,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('charged, then cancelled before anyone confirmed it: the charge is refunded, the stock is back', async () => {
    const { product, customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    crashAfter = 'charged';
    await expect(place(customer, reservationId)).rejects.toBeInstanceOf(Crash);
    const orderId = await attachedOrder(reservationId);
    await world.services.cancelOrder({
      orderId,
      actor: { userId: customer, role: 'customer' },
      reason: 'changed my mind',
      metadata: world.metadata,
    });
    const { rows } = await world.pool.query('SELECT amount FROM sandbox_refunds WHERE idempotency_key = $1', [
      `refund-${orderId}`,
    ]);
    expect(rows).toHaveLength(1);
    expect(await world.chargeRows(orderId)).toHaveLength(1);
    await eventually(async () =>
      expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 0 }),
    );
  });

  it('a paid reservation is never expired under its order, even when its commit is late', async () => {
    await manager.stop(); // nobody completes the order for now
    const { product, customer } = await shopper();
    crashAfter = 'confirmed';
    await expect(place(customer)).rejects.toBeInstanceOf(Crash);
    const [reservationId] = Object.keys(listReservations((await world.stock(product)).reservations));
    const expire = createTimerActions({
      handler: world.handler,
      payments: world.payments,
      clock: () => new Date(Date.now() + 5_000), // past the expiry
      logger: world.logger,
      stock: createStockWriter({ store: world.store, handler: world.handler, clock: world.clock }),
    });
    const outcome = await expire({
      kind: 'expire-reservation',
      key: `${reservationId}:${product}`,
      due_at: new Date(),
      payload: { reservation_id: reservationId!, product_id: product },
      attempts: 0,
    });
    expect(outcome).toEqual({ done: true });
    expect((await world.stock(product)).reserved).toBe(2); // held, not expired
    manager = await world.startProcessManager();
    await eventually(async () =>
      expect(await world.stock(product)).toMatchObject({ onHand: 8, reserved: 0 }),
    );
    const types = (await world.readAllOf(`stock-${product}`)).map((e) => e.type);
    expect(types).toContain('ReservationCommitted');
    expect(types).not.toContain('ReservationExpired');
  });
});
