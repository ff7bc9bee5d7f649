import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import { parseRate } from '../shared/money.ts';
import type { Address, OrderCommand, PlaceOrder } from './commands.ts';
import { type OrderEvent, type OrderStatus, orderingEventSchemas, orderStatuses } from './events.ts';
import { canMove, orderDecider, orderStream } from './order.ts';
import { maskToken } from './order-placement.ts';
import { upcastOrderPlaced } from './upcast.ts';

const orderId = makeId('order', 'o1');
const owner = makeId('user', 'alice');
const stranger = makeId('user', 'mallory');
const admin = makeId('user', 'root');
const reservationId = makeId('reservation', 'r1');
const kbd = makeId('product', 'kbd');
const mouse = makeId('product', 'mouse');
const T = (minute: number) => `2026-01-15T10:${String(minute).padStart(2, '0')}:00Z`;
const address: Address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};
const pricing = { taxRate: parseRate('0.08'), shippingFlat: 1000, freeShippingOver: 10000 };

type PlaceData = PlaceOrder['data'];
const placeOrder = (overrides: Partial<PlaceData> = {}): OrderCommand => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    userId: owner,
    items: [
      { productId: kbd, productName: 'Keyboard', quantity: 2, unitPrice: 4999, currency: 'USD' },
      { productId: mouse, productName: 'Mouse', quantity: 1, unitPrice: 1999, currency: 'USD' },
    ],
    shippingAddress: address,
    billingAddress: address,
    paymentMethod: { type: 'card', token: 'tok_ok_4242abcd' },
    reservationId,
    pricing,
    now: T(0),
    ...overrides,
  },
});

// subtotal 2×49.99 + 19.99 = 119.97; tax 9.5976 → 9.60; shipping free (≥ 100.00); total 129.57
const TOTAL = 12957;
// Written as version 1, as the frozen log has it: the fold upcasts it (upcast.ts).
const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: upcastOrderPlaced({
    schema_version: 1,
    order_id: orderId,
    user_id: owner,
    reservation_id: reservationId,
    items: [
      { product_id: kbd, product_name: 'Keyboard', quantity: 2, unit_price: 4999, subtotal: 9998 },
      { product_id: mouse, product_name: 'Mouse', quantity: 1, unit_price: 1999, subtotal: 1999 },
    ],
    currency: 'USD',
    subtotal: 11997,
    tax: 960,
    shipping_cost: 0,
    total: TOTAL,
    pricing: { tax_rate: { numerator: 8, denominator: 100 }, shipping_flat: 1000, free_shipping_over: 10000 },
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token_hint: '****abcd' },
    placed_at: T(0),
  }),
};
const confirmed = (paymentId = 'pay_1'): OrderEvent => ({
  type: 'OrderConfirmed',
  data: { schema_version: 1, order_id: orderId, payment_id: paymentId, amount: TOTAL, confirmed_at: T(1) },
});
const paymentFailed: OrderEvent = {
  type: 'OrderPaymentFailed',
  data: { schema_version: 1, order_id: orderId, reason: 'declined', failed_at: T(1) },
};
const processing: OrderEvent = {
  type: 'OrderProcessingStarted',
  data: { schema_version: 1, order_id: orderId, processing_at: T(2) },
};
const shipped: OrderEvent = {
  type: 'OrderShipped',
  data: { schema_version: 1, order_id: orderId, tracking_number: '1Z999', shipped_at: T(3) },
};
const delivered: OrderEvent = {
  type: 'OrderDelivered',
  data: { schema_version: 1, order_id: orderId, delivered_at: T(4) },
};
const cancelled = (
  previous_status: 'pending' | 'confirmed' | 'processing',
  refund_amount: number,
  by = owner,
  role = 'customer',
): OrderEvent => ({
  type: 'OrderCancelled',
  data: {
    schema_version: 1,
    order_id: orderId,
    cancelled_by: by,
    cancelled_by_role: role,
    reason: 'changed my mind',
    previous_status,
    reservation_id: reservationId,
    refund_amount,
    currency: 'USD',
    cancelled_at: T(5),
  },
});
const refunded = (refund_id = 're_1'): OrderEvent => ({
  type: 'OrderRefunded',
  data: {
    schema_version: 1,
    order_id: orderId,
    refund_id,
    amount: TOTAL,
    currency: 'USD',
    refunded_at: T(6),
  },
});

const confirm = (paymentId = 'pay_1', amount = TOTAL): OrderCommand => ({
  type: 'ConfirmOrder',
  data: { orderId, paymentId, amount, now: T(1) },
});
const failPayment = (reason = 'declined'): OrderCommand => ({
  type: 'MarkPaymentFailed',
  data: { orderId, reason, now: T(1) },
});
const processOrder: OrderCommand = { type: 'ProcessOrder', data: { orderId, now: T(2) } };
const ship = (trackingNumber = '1Z999'): OrderCommand => ({
  type: 'ShipOrder',
  data: { orderId, trackingNumber, now: T(3) },
});
const deliver: OrderCommand = { type: 'DeliverOrder', data: { orderId, now: T(4) } };
const cancel = (userId = owner, role = 'customer', reason = 'changed my mind'): OrderCommand => ({
  type: 'CancelOrder',
  data: { orderId, actor: { userId, role }, reason, now: T(5) },
});
const recordRefund = (refundId = 're_1', amount = TOTAL): OrderCommand => ({
  type: 'RecordRefund',
  data: { orderId, refundId, amount, now: T(6) },
});

const order = given(orderDecider);

const historyAt: Record<OrderStatus, OrderEvent[]> = {
  pending: [placed],
  confirmed: [placed, confirmed()],
  processing: [placed, confirmed(), processing],
  shipped: [placed, confirmed(), processing, shipped],
  delivered: [placed, confirmed(), processing, shipped, delivered],
  cancelled: [placed, cancelled('pending', 0)],
};

describe('Order', () => {
  it('lives in the stream order-<orderId>', () => {
    expect(orderStream(orderId)).toBe('order-ord_o1');
  });

  describe('PlaceOrder', () => {
    it('records items, totals, addresses and a masked payment hint; the order is pending', () => {
      order().when(placeOrder()).thenEvents([placed]);
      expect(order(placed).state().status).toBe('pending');
    });
    it('never keeps the payment token', () => {
      const events = order().when(placeOrder()).events();
      expect(JSON.stringify(events)).not.toContain('tok_ok_4242abcd');
      expect(maskToken('tok_visa')).toBe('****visa');
      expect(maskToken('tok_1')).toBe('****');
    });
    it('charges flat shipping below the free-shipping threshold', () => {
      const [event] = order()
        .when(
          placeOrder({
            items: [
              { productId: kbd, productName: 'Keyboard', quantity: 1, unitPrice: 4999, currency: 'USD' },
            ],
          }),
        )
        .events();
      expect(event?.data).toMatchObject({ subtotal: 4999, tax: 400, shipping_cost: 1000, total: 6399 });
    });
    it('trims names and address fields', () => {
      const [event] = order()
        .when(
          placeOrder({
            items: [
              { productId: kbd, productName: ' Keyboard ', quantity: 1, unitPrice: 100, currency: 'USD' },
            ],
            shippingAddress: { ...address, city: '  Springfield ' },
          }),
        )
        .events();
      expect(event?.type === 'OrderPlaced' && event.data.items[0]?.product_name).toBe('Keyboard');
      expect(event?.type === 'OrderPlaced' && event.data.shipping_address.city).toBe('Springfield');
    });
    it('refuses to place the same order twice', () => {
      order(placed).when(placeOrder()).thenThrows(ErrorCode.AlreadyExists);
    });
    it('refuses an order without items', () => {
      order()
        .when(placeOrder({ items: [] }))
        .thenThrows(ErrorCode.CartEmpty);
    });
    it.each([0, 100, 1.5])('refuses a line quantity of %s', (quantity) => {
      const error = order()
        .when(
          placeOrder({
            items: [{ productId: kbd, productName: 'K', quantity, unitPrice: 100, currency: 'USD' }],
          }),
        )
        .thenThrows(ErrorCode.InvalidQuantity);
      expect(error.details[0]?.field).toBe('items[0].quantity');
    });
    it.each([
      ['a zero price', { unitPrice: 0 }, 'items[0].unit_price'],
      ['a fractional price', { unitPrice: 10.5 }, 'items[0].unit_price'],
      ['an empty name', { productName: '  ' }, 'items[0].product_name'],
      ['a name over 255 characters', { productName: 'x'.repeat(256) }, 'items[0].product_name'],
      ['a currency that is not ISO 4217', { currency: 'usd' }, 'items[0].currency'],
    ])('refuses %s', (_, change, field) => {
      const item = {
        productId: kbd,
        productName: 'K',
        quantity: 1,
        unitPrice: 100,
        currency: 'USD',
        ...change,
      };
      const error = order()
        .when(placeOrder({ items: [item] }))
        .thenThrows(ErrorCode.ValidationFailed);
      expect(error.details.map((d) => d.field)).toEqual([field]);
    });
    it('refuses mixed currencies and a product on two lines', () => {
      const line = { productId: kbd, productName: 'K', quantity: 1, unitPrice: 100, currency: 'USD' };
      const mixed = order()
        .when(placeOrder({ items: [line, { ...line, productId: mouse, currency: 'EUR' }] }))
        .thenThrows(ErrorCode.ValidationFailed);
      expect(mixed.details.map((d) => d.field)).toEqual(['items[1].currency']);
      const twice = order()
        .when(placeOrder({ items: [line, line] }))
        .thenThrows(ErrorCode.ValidationFailed);
      expect(twice.details.map((d) => d.field)).toEqual(['items[1].product_id']);
    });
    it('refuses an incomplete shipping address, naming every missing field', () => {
      const error = order()
        .when(placeOrder({ shippingAddress: { ...address, city: '', postal_code: '  ' } }))
        .thenThrows(ErrorCode.RequiredFieldMissing);
      expect(error.details.map((d) => d.field)).toEqual([
        'shipping_address.city',
        'shipping_address.postal_code',
      ]);
    });
    it('refuses an incomplete billing address', () => {
      const error = order()
        .when(placeOrder({ billingAddress: { ...address, country: '' } }))
        .thenThrows(ErrorCode.RequiredFieldMissing);
      expect(error.details.map((d) => d.field)).toEqual(['billing_address.country']);
    });
    it('refuses an address field over 200 characters', () => {
      order()
        .when(placeOrder({ shippingAddress: { ...address, street: 'x'.repeat(201) } }))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('refuses a payment method without type or token', () => {
      const error = order()
        .when(placeOrder({ paymentMethod: { type: '', token: ' ' } }))
        .thenThrows(ErrorCode.RequiredFieldMissing);
      expect(error.details.map((d) => d.field)).toEqual(['payment_method.type', 'payment_method.token']);
    });
    it('refuses a time that is not ISO 8601', () => {
      order()
        .when(placeOrder({ now: 'today' }))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('refuses a broken pricing configuration', () => {
      order()
        .when(placeOrder({ pricing: { ...pricing, taxRate: { numerator: 8, denominator: 0 } } }))
        .thenThrows(ErrorCode.ValidationFailed);
    });
  });

  describe('ConfirmOrder', () => {
    it('confirms a pending order with the amount charged', () => {
      order(placed).when(confirm()).thenEvents([confirmed()]);
    });
    it('confirms after an earlier declined payment (the order stayed pending)', () => {
      order(placed, paymentFailed).when(confirm()).thenEvents([confirmed()]);
    });
    it('is a no-op when the same payment confirms again (the workflow resuming)', () => {
      order(placed, confirmed()).when(confirm()).thenEvents([]);
      order(placed, confirmed(), processing).when(confirm()).thenEvents([]);
    });
    it('refuses an amount that is not the order total', () => {
      order(placed)
        .when(confirm('pay_1', TOTAL - 1))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('requires a payment id', () => {
      order(placed).when(confirm(' ')).thenThrows(ErrorCode.RequiredFieldMissing);
    });
    it('refuses a second, different payment', () => {
      order(placed, confirmed()).when(confirm('pay_2')).thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses an unknown order', () => {
      order().when(confirm()).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('MarkPaymentFailed', () => {
    it('records the decline and keeps the order pending', () => {
      order(placed).when(failPayment()).thenEvents([paymentFailed]);
      const state = order(placed, paymentFailed).state();
      expect(state.status).toBe('pending');
      expect(state.paymentFailures).toEqual([{ reason: 'declined', failedAt: T(1) }]);
    });
    it('may happen more than once while pending', () => {
      order(placed, paymentFailed).when(failPayment()).thenEvents([paymentFailed]);
    });
    it('requires a reason', () => {
      order(placed).when(failPayment('')).thenThrows(ErrorCode.RequiredFieldMissing);
    });
    it('refuses once the order is confirmed', () => {
      order(placed, confirmed()).when(failPayment()).thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses an unknown order', () => {
      order().when(failPayment()).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('ProcessOrder, ShipOrder, DeliverOrder', () => {
    it('moves confirmed → processing → shipped (with tracking number) → delivered', () => {
      order(placed, confirmed()).when(processOrder).thenEvents([processing]);
      order(placed, confirmed(), processing).when(ship()).thenEvents([shipped]);
      order(placed, confirmed(), processing, shipped).when(deliver).thenEvents([delivered]);
    });
    it('trims the tracking number', () => {
      order(placed, confirmed(), processing).when(ship('  1Z999 ')).thenEvents([shipped]);
    });
    it('requires a tracking number of at most 100 characters', () => {
      order(placed, confirmed(), processing).when(ship('  ')).thenThrows(ErrorCode.RequiredFieldMissing);
      order(placed, confirmed(), processing)
        .when(ship('x'.repeat(101)))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('refuses an unknown order', () => {
      order().when(processOrder).thenThrows(ErrorCode.NotFound);
      order().when(ship()).thenThrows(ErrorCode.NotFound);
      order().when(deliver).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('CancelOrder', () => {
    it('cancels a pending order of its owner with nothing to refund', () => {
      order(placed)
        .when(cancel())
        .thenEvents([cancelled('pending', 0)]);
      order(placed, paymentFailed)
        .when(cancel())
        .thenEvents([cancelled('pending', 0)]);
    });
    it('cancels a confirmed order with a refund of the full total', () => {
      order(placed, confirmed())
        .when(cancel())
        .thenEvents([cancelled('confirmed', TOTAL)]);
    });
    it('lets an admin cancel anyone’s processing order, refunding the total', () => {
      order(placed, confirmed(), processing)
        .when(cancel(admin, 'admin'))
        .thenEvents([cancelled('processing', TOTAL, admin, 'admin')]);
    });
    it('hides someone else’s order from a customer (not found, not forbidden)', () => {
      order(placed).when(cancel(stranger)).thenThrows(ErrorCode.NotFound);
      order(placed).when(cancel(stranger, 'auditor')).thenThrows(ErrorCode.NotFound);
    });
    it('refuses after shipping, for the owner and for an admin', () => {
      order(...historyAt.shipped)
        .when(cancel())
        .thenThrows(ErrorCode.IllegalStateTransition);
      order(...historyAt.shipped)
        .when(cancel(admin, 'admin'))
        .thenThrows(ErrorCode.IllegalStateTransition);
      order(...historyAt.delivered)
        .when(cancel())
        .thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses to cancel twice', () => {
      order(...historyAt.cancelled)
        .when(cancel())
        .thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('requires a reason', () => {
      order(placed)
        .when(cancel(owner, 'customer', '   '))
        .thenThrows(ErrorCode.RequiredFieldMissing);
      order(placed)
        .when(cancel(owner, 'customer', 'x'.repeat(501)))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('refuses an unknown order', () => {
      order().when(cancel()).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('RecordRefund', () => {
    const paidThenCancelled = [placed, confirmed(), cancelled('confirmed', TOTAL)];
    it('records the refund owed by the cancellation', () => {
      order(...paidThenCancelled)
        .when(recordRefund())
        .thenEvents([refunded()]);
    });
    it('is a no-op for the same refund again, and refuses a second refund', () => {
      order(...paidThenCancelled, refunded())
        .when(recordRefund())
        .thenEvents([]);
      order(...paidThenCancelled, refunded())
        .when(recordRefund('re_2'))
        .thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses an amount other than what is owed', () => {
      order(...paidThenCancelled)
        .when(recordRefund('re_1', TOTAL + 1))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('requires a refund id', () => {
      order(...paidThenCancelled)
        .when(recordRefund(''))
        .thenThrows(ErrorCode.RequiredFieldMissing);
    });
    it('refuses when nothing is owed or the order is not cancelled', () => {
      order(...historyAt.cancelled)
        .when(recordRefund())
        .thenThrows(ErrorCode.IllegalStateTransition);
      order(placed, confirmed()).when(recordRefund()).thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses an unknown order', () => {
      order().when(recordRefund()).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('the status machine', () => {
    // Every lifecycle command from every status: allowed exactly where API.md's machine allows it, else BIZ_4006.
    const lifecycle: [string, OrderCommand, OrderStatus | 'stays'][] = [
      ['confirm', confirm('pay_new'), 'confirmed'],
      ['fail payment', failPayment(), 'stays'],
      ['process', processOrder, 'processing'],
      ['ship', ship(), 'shipped'],
      ['deliver', deliver, 'delivered'],
      ['cancel', cancel(admin, 'admin'), 'cancelled'],
    ];
    const allowed: Record<OrderStatus, string[]> = {
      pending: ['confirm', 'fail payment', 'cancel'],
      confirmed: ['process', 'cancel'],
      processing: ['ship', 'cancel'],
      shipped: ['deliver'],
      delivered: [],
      cancelled: [],
    };
    for (const from of orderStatuses)
      for (const [name, command, to] of lifecycle) {
        const ok = allowed[from].includes(name);
        it(`${ok ? 'allows' : 'refuses'} ${name} when ${from}`, () => {
          const when = order(...historyAt[from]).when(command);
          if (!ok) {
            when.thenThrows(ErrorCode.IllegalStateTransition);
            return;
          }
          const events = when.events();
          const after = events.reduce(orderDecider.evolve, order(...historyAt[from]).state());
          expect(after.status).toBe(to === 'stays' ? from : to);
          if (to !== 'stays') expect(canMove(from, to)).toBe(true);
        });
      }
  });

  describe('state', () => {
    it('folds status, payment, tracking, cancellation, refund and timestamps', () => {
      const state = order(
        placed,
        confirmed(),
        processing,
        cancelled('processing', TOTAL, admin, 'admin'),
        refunded(),
      ).state();
      expect(state).toMatchObject({
        status: 'cancelled',
        payment: { paymentId: 'pay_1', amount: TOTAL, confirmedAt: T(1) },
        cancellation: { by: admin, role: 'admin', reason: 'changed my mind', refundAmount: TOTAL },
        refund: { refundId: 're_1', amount: TOTAL, refundedAt: T(6) },
        timestamps: { pending: T(0), confirmed: T(1), processing: T(2), cancelled: T(5) },
      });
      expect(state.placed?.total).toBe(TOTAL);
      expect(order(...historyAt.delivered).state()).toMatchObject({
        status: 'delivered',
        trackingNumber: '1Z999',
      });
    });
    it('every event built here satisfies its schema, and every schema is covered', () => {
      const all = [
        placed,
        confirmed(),
        paymentFailed,
        processing,
        shipped,
        delivered,
        cancelled('pending', 0),
        refunded(),
      ];
      for (const event of all)
        expect(orderingEventSchemas[event.type].safeParse(event.data).error).toBeUndefined();
      expect(new Set(all.map((e) => e.type))).toEqual(new Set(Object.keys(orderingEventSchemas)));
    });
  });
});
