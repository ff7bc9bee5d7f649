import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { checkoutStream } from '../../domain/checkout/checkout.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { OrderId, UserId } from '../../domain/shared/ids.ts';
import { placeOrder } from './place-order.ts';
import { address, type CheckoutWorld, createCheckoutWorld, visa } from './test-support.ts';

describe('PlaceOrder, payments and the order lifecycle', () => {
  let world: CheckoutWorld;
  beforeAll(async () => {
    world = await createCheckoutWorld('place_order');
  });
  afterAll(() => world.close());

  async function shopper(quantity = 2, price = 2500, stock = 10) {
    const product = world.newProduct();
    await world.receive(product, stock);
    const customer = world.newUser();
    await world.addToCart(customer, product, quantity, price);
    return { product, customer };
  }
  const place = (customer: UserId, extra: { reservationId?: string; token?: string } = {}) =>
    world.services.placeOrder({
      userId: customer,
      shippingAddress: address,
      billingAddress: address,
      paymentMethod: { type: 'card', token: extra.token ?? visa.token },
      ...(extra.reservationId ? { reservationId: extra.reservationId as never } : {}),
      metadata: world.metadata,
    });
  const admin = { userId: 'usr_admin' as UserId, role: 'admin' };
  const move = (orderId: string, type: 'ProcessOrder' | 'DeliverOrder' | 'ShipOrder') =>
    world.services.advanceOrder(
      orderId as OrderId,
      type === 'ShipOrder' ? { type, trackingNumber: '1Z999' } : { type },
      world.metadata,
    );

  it('on a reservation: confirmed, charged once, stock committed, cart checked out, checkout completed', async () => {
    const { product, customer } = await shopper(2, 2500);
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    const { orderId, state } = await place(customer, { reservationId });
    expect(state.status).toBe('confirmed');
    // 2 × 25.00 = 50.00; tax 8 % = 4.00; shipping 10.00 under 100.00 → 64.00
    expect(state.placed).toMatchObject({ subtotal: 5000, tax: 400, shipping_cost: 1000, total: 6400 });
    expect(await world.chargeRows(orderId)).toMatchObject([{ status: 'succeeded', amount: '6400' }]);
    expect(await world.stock(product)).toMatchObject({ onHand: 8, reserved: 0 });
    expect((await world.cart(customer)).lines).toEqual([]);
    const steps = (await world.readAllOf(checkoutStream(reservationId))).map((e) => e.type);
    expect(steps).toEqual([
      'CheckoutStarted',
      'CheckoutStockReserved',
      'CheckoutOrderAttached',
      'CheckoutCompleted',
    ]);
  });

  it('a submission that read the cart before another checked it out gets that order, not BIZ_4003', async () => {
    const { customer } = await shopper();
    const arrivedAt = world.clock().toISOString();
    const read = await world.handler.load(cartDecider, cartStream(customer)); // B reads the cart…
    const first = await place(customer); // …A checks it out…
    let stale = true;
    const handler: typeof world.handler = {
      ...world.handler,
      // …and B goes on from what it read: its reservation finds the cart empty.
      load: ((decider, stream) => {
        if (stale && stream === cartStream(customer)) {
          stale = false;
          return Promise.resolve(read);
        }
        return world.handler.load(decider, stream);
      }) as typeof world.handler.load,
    };
    const second = await placeOrder(
      { ...world.services.deps, handler },
      {
        arrivedAt,
        userId: customer,
        shippingAddress: address,
        billingAddress: address,
        paymentMethod: { type: 'card', token: visa.token },
        metadata: world.metadata,
      },
    );
    expect(second.orderId).toBe(first.orderId);
    expect(await world.chargeRows(first.orderId)).toHaveLength(1);
  });

  it('without a reservation it reserves the cart itself; shipping is free at 100.00', async () => {
    const { product, customer } = await shopper(4, 2500);
    const { state } = await place(customer);
    expect(state.status).toBe('confirmed');
    expect(state.placed).toMatchObject({ subtotal: 10000, tax: 800, shipping_cost: 0, total: 10800 });
    expect(await world.stock(product)).toMatchObject({ onHand: 6, reserved: 0 });
  });

  it('declined: 402 BIZ_4004, the reservation is kept, and a new card can pay on it', async () => {
    const { product, customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    await expect(place(customer, { reservationId, token: 'tok_declined' })).rejects.toMatchObject({
      code: ErrorCode.PaymentDeclined,
    });
    expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 2 });
    const { state } = await place(customer, { reservationId });
    expect(state.status).toBe('confirmed');
    expect(await world.stock(product)).toMatchObject({ onHand: 8, reserved: 0 });
  });

  it('unavailable: 503 SYS_5002, nothing charged; the retry reuses the same order and charges it once', async () => {
    const { customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    await expect(place(customer, { reservationId, token: 'tok_unavailable' })).rejects.toMatchObject({
      code: ErrorCode.DependencyUnavailable,
    });
    const first = (await world.readAllOf(checkoutStream(reservationId))).find(
      (e) => e.type === 'CheckoutOrderAttached',
    );
    const { orderId, state } = await place(customer, { reservationId });
    expect(orderId).toBe(first?.data.order_id);
    expect(state.status).toBe('confirmed');
    expect(await world.chargeRows(orderId)).toHaveLength(1);
  });

  it('lapsed: 410 BIZ_4007 and nothing charged', async () => {
    const { customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    const charges = world.chargeCalls.length;
    world.clock.advance(601_000);
    try {
      await expect(place(customer, { reservationId })).rejects.toMatchObject({
        code: ErrorCode.ReservationExpired,
      });
    } finally {
      world.clock.advance(-601_000);
    }
    expect(world.chargeCalls.length).toBe(charges);
  });

  it("someone else's reservation is not found", async () => {
    const { customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    await expect(place(world.newUser(), { reservationId })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('cancel before payment: the reservation is released, nothing refunded', async () => {
    const { product, customer } = await shopper();
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    await place(customer, { reservationId, token: 'tok_unavailable' }).catch(() => undefined);
    const attached = (await world.readAllOf(checkoutStream(reservationId))).find(
      (e) => e.type === 'CheckoutOrderAttached',
    );
    const orderId = attached?.data.order_id as OrderId;
    const result = await world.services.cancelOrder({
      orderId,
      actor: { userId: customer, role: 'customer' },
      reason: 'changed my mind',
      metadata: world.metadata,
    });
    expect(result.body).toMatchObject({
      order_id: orderId,
      status: 'cancelled',
      refund_status: 'none',
      refund_amount: 0,
    });
    expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 0 });
  });

  it('cancel after payment: the full total refunded once, the stock back on hand', async () => {
    const { product, customer } = await shopper(3, 1000);
    const { orderId, state } = await place(customer);
    expect(await world.stock(product)).toMatchObject({ onHand: 7, reserved: 0 });
    await move(orderId, 'ProcessOrder');
    const result = await world.services.cancelOrder({
      orderId,
      actor: admin,
      reason: 'out of packaging',
      metadata: world.metadata,
    });
    expect(result.body).toMatchObject({
      status: 'cancelled',
      refund_status: 'refunded',
      refund_amount: 42.4,
    });
    expect(state.placed?.total).toBe(4240);
    expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 0 });
    const order = await world.order(orderId);
    expect(order.refund).toMatchObject({ amount: 4240 });
    const { rows } = await world.pool.query('SELECT * FROM sandbox_refunds WHERE idempotency_key = $1', [
      `refund-${orderId}`,
    ]);
    expect(rows).toHaveLength(1);
  });

  it("a customer cannot cancel someone else's order (404) nor a shipped one (409)", async () => {
    const { customer } = await shopper();
    const { orderId } = await place(customer);
    await expect(
      world.services.cancelOrder({
        orderId,
        actor: { userId: world.newUser(), role: 'customer' },
        reason: 'x',
        metadata: world.metadata,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await move(orderId, 'ProcessOrder');
    await move(orderId, 'ShipOrder');
    await expect(
      world.services.cancelOrder({
        orderId,
        actor: { userId: customer, role: 'customer' },
        reason: 'x',
        metadata: world.metadata,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.IllegalStateTransition });
  });

  it('walks the status machine and refuses every illegal move with BIZ_4006', async () => {
    const { customer } = await shopper();
    const { orderId } = await place(customer);
    const illegal = async (type: 'ProcessOrder' | 'DeliverOrder' | 'ShipOrder') =>
      expect(move(orderId, type)).rejects.toMatchObject({ code: ErrorCode.IllegalStateTransition });
    // confirmed
    await illegal('ShipOrder');
    await illegal('DeliverOrder');
    await move(orderId, 'ProcessOrder');
    // processing
    await illegal('ProcessOrder');
    await illegal('DeliverOrder');
    await move(orderId, 'ShipOrder');
    // shipped
    await illegal('ProcessOrder');
    await illegal('ShipOrder');
    await expect(
      world.services.cancelOrder({ orderId, actor: admin, reason: 'late', metadata: world.metadata }),
    ).rejects.toMatchObject({
      code: ErrorCode.IllegalStateTransition,
    });
    await move(orderId, 'DeliverOrder');
    // delivered
    for (const type of ['ProcessOrder', 'ShipOrder', 'DeliverOrder'] as const) await illegal(type);
    expect((await world.order(orderId)).status).toBe('delivered');

    // cancelled: nothing moves any more, not even a second cancel
    const other = await shopper();
    const second = await place(other.customer);
    await world.services.cancelOrder({
      orderId: second.orderId,
      actor: admin,
      reason: 'fraud check',
      metadata: world.metadata,
    });
    for (const type of ['ProcessOrder', 'ShipOrder', 'DeliverOrder'] as const)
      await expect(move(second.orderId, type)).rejects.toMatchObject({
        code: ErrorCode.IllegalStateTransition,
      });
    await expect(
      world.services.cancelOrder({
        orderId: second.orderId,
        actor: admin,
        reason: 'again',
        metadata: world.metadata,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.IllegalStateTransition });
    // pending (payment unavailable): cannot be processed before it is paid
    const third = await shopper();
    const { reservationId } = await world.services.reserveCart(third.customer, world.metadata);
    await place(third.customer, { reservationId, token: 'tok_unavailable' }).catch(() => undefined);
    const attached = (await world.readAllOf(checkoutStream(reservationId))).find(
      (e) => e.type === 'CheckoutOrderAttached',
    );
    for (const type of ['ProcessOrder', 'ShipOrder', 'DeliverOrder'] as const)
      await expect(move(attached?.data.order_id as string, type)).rejects.toMatchObject({
        code: ErrorCode.IllegalStateTransition,
      });
  });

  it('an unknown order is not found', async () => {
    await expect(move('ord_nope', 'ProcessOrder')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
