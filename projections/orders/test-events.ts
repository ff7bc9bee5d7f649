import type { EventStore } from '../../infra/eventstore/port.ts';
import { appendEvent } from '../test-support.ts';

/** Event data builders for the cart, orders and recommendations tests (money in minor units). */
export const at = (minute: number) => `2026-01-15T10:${String(minute).padStart(2, '0')}:00.000Z`;

const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};

export type Line = { product: string; quantity: number; price: number };

/** An OrderPlaced (schema version 1) of `lines`, with 8 % tax and flat shipping under 100.00. */
export function orderPlacedData(order: string, user: string, lines: Line[], placedAt: string) {
  const items = lines.map((l) => ({
    product_id: l.product,
    product_name: `Name of ${l.product}`,
    quantity: l.quantity,
    unit_price: l.price,
    subtotal: l.price * l.quantity,
  }));
  const subtotal = items.reduce((sum, i) => sum + i.subtotal, 0);
  const tax = Math.round(subtotal * 0.08);
  const shipping = subtotal >= 10_000 ? 0 : 1_000;
  return {
    schema_version: 1,
    order_id: order,
    user_id: user,
    reservation_id: `rsv_${order.slice(4)}`,
    items,
    currency: 'USD',
    subtotal,
    tax,
    shipping_cost: shipping,
    total: subtotal + tax + shipping,
    pricing: {
      tax_rate: { numerator: 8, denominator: 100 },
      shipping_flat: 1_000,
      free_shipping_over: 10_000,
    },
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token_hint: 'tok_…isa' },
    placed_at: placedAt,
  };
}

export function createFixtureWriter(store: EventStore) {
  const owner = (user: string) => ({ schema_version: 1, cart_id: `cart_${user.slice(4)}`, user_id: user });
  return {
    addToCart: (user: string, item: string, line: Line, lineQuantity = line.quantity, minute = 1) =>
      appendEvent(store, `cart-${user}`, 'ItemAddedToCart', {
        ...owner(user),
        cart_item_id: item,
        product_id: line.product,
        product_name: `Name of ${line.product}`,
        image: null,
        unit_price: line.price,
        currency: 'USD',
        quantity: line.quantity,
        line_quantity: lineQuantity,
        added_at: at(minute),
      }),
    changeQuantity: (user: string, item: string, product: string, from: number, to: number) =>
      appendEvent(store, `cart-${user}`, 'CartItemQuantityChanged', {
        ...owner(user),
        cart_item_id: item,
        product_id: product,
        old_quantity: from,
        quantity: to,
        changed_at: at(5),
      }),
    removeItem: (user: string, item: string, product: string, quantity: number) =>
      appendEvent(store, `cart-${user}`, 'CartItemRemoved', {
        ...owner(user),
        cart_item_id: item,
        product_id: product,
        quantity,
        removed_at: at(6),
      }),
    clearCart: (user: string) =>
      appendEvent(store, `cart-${user}`, 'CartCleared', { ...owner(user), cleared_at: at(7) }),
    stock: (product: string, onHand: number, reserved = 0) =>
      appendEvent(store, `stock-${product}`, 'StockReceived', {
        schema_version: 1,
        product_id: product,
        quantity: Math.max(onHand, 1),
        on_hand: onHand,
        reserved,
      }),
    placeOrder: (order: string, user: string, lines: Line[], minute = 10) =>
      appendEvent(store, `order-${order}`, 'OrderPlaced', orderPlacedData(order, user, lines, at(minute))),
    confirmOrder: (order: string, amount: number, minute = 11) =>
      appendEvent(store, `order-${order}`, 'OrderConfirmed', {
        schema_version: 1,
        order_id: order,
        payment_id: `pay_${order}`,
        amount,
        confirmed_at: at(minute),
      }),
    shipOrder: async (order: string) => {
      await appendEvent(store, `order-${order}`, 'OrderProcessingStarted', {
        schema_version: 1,
        order_id: order,
        processing_at: at(20),
      });
      return appendEvent(store, `order-${order}`, 'OrderShipped', {
        schema_version: 1,
        order_id: order,
        tracking_number: `TRK-${order}`,
        shipped_at: at(21),
      });
    },
    cancelOrder: (order: string, by: string, previous: 'pending' | 'confirmed', refund: number) =>
      appendEvent(store, `order-${order}`, 'OrderCancelled', {
        schema_version: 1,
        order_id: order,
        cancelled_by: by,
        cancelled_by_role: 'customer',
        reason: 'changed my mind',
        previous_status: previous,
        reservation_id: `rsv_${order.slice(4)}`,
        refund_amount: refund,
        currency: 'USD',
        cancelled_at: at(30),
      }),
  };
}
