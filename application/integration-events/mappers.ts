import type { z } from 'zod';
import type { cartEventSchemas } from '../../domain/cart/events.ts';
import type { catalogEventSchemas } from '../../domain/catalog/events.ts';
import type { checkoutEventSchemas } from '../../domain/checkout/events.ts';
import type { identityEventSchemas } from '../../domain/identity/events.ts';
import type { inventoryEventSchemas } from '../../domain/inventory/events.ts';
import type { orderingEventSchemas } from '../../domain/ordering/events.ts';
import { upcastOrderPlaced } from '../../domain/ordering/upcast.ts';
import type { IntegrationEventType } from './topics.ts';

/** What a mapper returns: the event type, its key (the source aggregate's id) and its own fields. */
export type Draft = { type: IntegrationEventType; key: string; fields: Record<string, unknown> };

type Schemas = typeof cartEventSchemas &
  typeof catalogEventSchemas &
  typeof checkoutEventSchemas &
  typeof identityEventSchemas &
  typeof inventoryEventSchemas &
  typeof orderingEventSchemas;
type Data<T extends keyof Schemas> = z.infer<Schemas[T]>;

type Levels = { on_hand: number; reserved: number };
const levels = (d: Levels) => ({
  on_hand: d.on_hand,
  reserved: d.reserved,
  available: d.on_hand - d.reserved,
});
const quantities = (items: { quantity: number }[]) => items.reduce((sum, i) => sum + i.quantity, 0);

/** A line's variant, published only for a variant line (a plain line keeps exactly its old fields). */
const variantOf = (d: { variant_id?: string | null | undefined; sku?: string | undefined }) =>
  d.variant_id ? { variant_id: d.variant_id, ...(d.sku !== undefined ? { sku: d.sku } : {}) } : {};
const optionsOf = (d: { variant_id?: string | undefined; variant_options?: Record<string, string> }) =>
  d.variant_id && d.variant_options ? { variant_options: { ...d.variant_options } } : {};

const stockLevel =
  (reason: string) =>
  (d: Levels & { product_id: string; variant_id?: string | undefined }): Draft => ({
    type: 'StockLevelChanged',
    key: d.product_id,
    fields: { product_id: d.product_id, ...variantOf(d), reason, ...levels(d) },
  });

type ReservationData = Levels & {
  product_id: string;
  variant_id?: string | undefined;
  reservation_id: string;
  quantity: number;
};
const reservationFields = (d: ReservationData) => ({
  product_id: d.product_id,
  ...variantOf(d),
  reservation_id: d.reservation_id,
  quantity: d.quantity,
  ...levels(d),
});

const publicDetailFields = ['name', 'category', 'subcategory', 'brand', 'sku'] as const;

/**
 * Domain event type → the integration events it becomes. Each mapper names the fields it publishes
 * one by one (never a spread of the domain data), so a field added to a domain event stays private
 * until someone maps it on purpose.
 */
export const domainMappers: Record<string, (data: never) => Draft[]> = {
  // order-events, key = order id
  // Upcast again here: a store read without the upcasting edge (tests, tools) may hand over version 1.
  OrderPlaced: (raw: Data<'OrderPlaced'>) =>
    [upcastOrderPlaced(raw)].map((d) => ({
      type: 'OrderPlaced',
      key: d.order_id,
      fields: {
        order_id: d.order_id,
        user_id: d.user_id,
        reservation_id: d.reservation_id,
        items: d.items.map((i) => ({
          product_id: i.product_id,
          ...variantOf(i),
          product_name: i.product_name,
          quantity: i.quantity,
          unit_price: i.unit_price,
          subtotal: i.subtotal,
          list_price: i.list_price,
          steps: i.steps.map((step) => ({
            step: step.step,
            ...(step.rule_id !== undefined ? { rule_id: step.rule_id } : {}),
            label: step.label,
            unit_price: step.unit_price,
          })),
        })),
        item_count: quantities(d.items),
        currency: d.currency,
        subtotal: d.subtotal,
        discount: d.discount,
        coupon: d.coupon,
        tax: d.tax,
        shipping_cost: d.shipping_cost,
        total: d.total,
        shipping_country: d.shipping_address.country,
        payment_method_type: d.payment_method.type,
      },
    })),
  OrderConfirmed: (d: Data<'OrderConfirmed'>) => [
    { type: 'OrderConfirmed', key: d.order_id, fields: { order_id: d.order_id, amount: d.amount } },
  ],
  OrderPaymentFailed: (d: Data<'OrderPaymentFailed'>) => [
    { type: 'OrderPaymentFailed', key: d.order_id, fields: { order_id: d.order_id, reason: d.reason } },
  ],
  OrderProcessingStarted: (d: Data<'OrderProcessingStarted'>) => [
    { type: 'OrderProcessingStarted', key: d.order_id, fields: { order_id: d.order_id } },
  ],
  OrderShipped: (d: Data<'OrderShipped'>) => [
    {
      type: 'OrderShipped',
      key: d.order_id,
      fields: { order_id: d.order_id, tracking_number: d.tracking_number },
    },
  ],
  OrderDelivered: (d: Data<'OrderDelivered'>) => [
    { type: 'OrderDelivered', key: d.order_id, fields: { order_id: d.order_id } },
  ],
  OrderCancelled: (d: Data<'OrderCancelled'>) => [
    {
      type: 'OrderCancelled',
      key: d.order_id,
      fields: {
        order_id: d.order_id,
        cancelled_by_role: d.cancelled_by_role,
        previous_status: d.previous_status,
        refund_amount: d.refund_amount,
        currency: d.currency,
      },
    },
  ],
  OrderRefunded: (d: Data<'OrderRefunded'>) => [
    {
      type: 'OrderRefunded',
      key: d.order_id,
      fields: { order_id: d.order_id, amount: d.amount, currency: d.currency },
    },
  ],
  // The checkout workflow's own stream (checkout-<reservation_id>): key = reservation id.
  CheckoutStarted: (d: Data<'CheckoutStarted'>) => [
    {
      type: 'CheckoutStarted',
      key: d.reservation_id,
      fields: {
        reservation_id: d.reservation_id,
        user_id: d.user_id,
        items: d.items.map((i) => ({
          product_id: i.product_id,
          ...variantOf(i),
          quantity: i.quantity,
          unit_price: i.unit_price,
          currency: i.currency,
        })),
        item_count: quantities(d.items),
        expires_at: d.expires_at,
      },
    },
  ],

  // inventory-events, key = product id; every fact also as StockLevelChanged (same key, so in order).
  StockReceived: (d: Data<'StockReceived'>) => [stockLevel('received')(d)],
  StockAdjusted: (d: Data<'StockAdjusted'>) => [stockLevel('adjusted')(d)],
  StockReserved: (d: Data<'StockReserved'>) => [
    {
      type: 'StockReserved',
      key: d.product_id,
      fields: { ...reservationFields(d), expires_at: d.expires_at },
    },
    stockLevel('reserved')(d),
  ],
  ReservationReleased: (d: Data<'ReservationReleased'>) => [
    { type: 'ReservationReleased', key: d.product_id, fields: reservationFields(d) },
    stockLevel('released')(d),
  ],
  ReservationExpired: (d: Data<'ReservationExpired'>) => [
    { type: 'ReservationExpired', key: d.product_id, fields: reservationFields(d) },
    stockLevel('expired')(d),
  ],
  ReservationCommitted: (d: Data<'ReservationCommitted'>) => [
    { type: 'ReservationCommitted', key: d.product_id, fields: reservationFields(d) },
    stockLevel('committed')(d),
  ],
  CommittedStockReturned: (d: Data<'CommittedStockReturned'>) => [stockLevel('returned')(d)],

  // catalog-events, key = product id
  ProductListed: (d: Data<'ProductListed'>) => [
    {
      type: 'ProductListed',
      key: d.product_id,
      fields: {
        product_id: d.product_id,
        name: d.name,
        category: d.category,
        subcategory: d.subcategory,
        brand: d.brand,
        sku: d.sku,
        price: d.price,
        currency: d.currency,
      },
    },
  ],
  ProductDetailsChanged: (d: Data<'ProductDetailsChanged'>) => {
    const fields: Record<string, unknown> = {
      product_id: d.product_id,
      changed_fields: Object.keys(d.changes),
    };
    for (const name of publicDetailFields) if (d.changes[name] !== undefined) fields[name] = d.changes[name];
    return [{ type: 'ProductDetailsChanged', key: d.product_id, fields }];
  },
  PriceChanged: (d: Data<'PriceChanged'>) => [
    {
      type: 'PriceChanged',
      key: d.product_id,
      fields: {
        product_id: d.product_id,
        old_price: d.old_price,
        new_price: d.new_price,
        currency: d.currency,
      },
    },
  ],
  ProductDiscontinued: (d: Data<'ProductDiscontinued'>) => [
    { type: 'ProductDiscontinued', key: d.product_id, fields: { product_id: d.product_id } },
  ],

  // user-events, key = user id (the cart stream is cart-<user_id>: one cart per user)
  UserRegistered: (d: Data<'UserRegistered'>) => [
    { type: 'UserRegistered', key: d.user_id, fields: { user_id: d.user_id, role: d.role } },
  ],
  UserRoleGranted: (d: Data<'UserRoleGranted'>) => [
    {
      type: 'UserRoleChanged',
      key: d.user_id,
      fields: { user_id: d.user_id, role: d.role, previous_role: d.previous_role },
    },
  ],
  UserErased: (d: Data<'UserErased'>) => [
    { type: 'UserErased', key: d.user_id, fields: { user_id: d.user_id } },
  ],
  ItemAddedToCart: (d: Data<'ItemAddedToCart'>) => [
    {
      type: 'ItemAddedToCart',
      key: d.user_id,
      fields: {
        user_id: d.user_id,
        product_id: d.product_id,
        ...variantOf(d),
        ...optionsOf(d),
        quantity: d.quantity,
        line_quantity: d.line_quantity,
        unit_price: d.unit_price,
        currency: d.currency,
      },
    },
  ],
  CartItemQuantityChanged: (d: Data<'CartItemQuantityChanged'>) => [
    {
      type: 'CartItemQuantityChanged',
      key: d.user_id,
      fields: {
        user_id: d.user_id,
        product_id: d.product_id,
        ...variantOf(d),
        old_quantity: d.old_quantity,
        quantity: d.quantity,
      },
    },
  ],
  CartItemRemoved: (d: Data<'CartItemRemoved'>) => [
    {
      type: 'ItemRemovedFromCart',
      key: d.user_id,
      fields: { user_id: d.user_id, product_id: d.product_id, ...variantOf(d), quantity: d.quantity },
    },
  ],
  CartCleared: (d: Data<'CartCleared'>) => [
    { type: 'CartCleared', key: d.user_id, fields: { user_id: d.user_id } },
  ],
  CartCheckedOut: (d: Data<'CartCheckedOut'>) =>
    d.order_id === null
      ? []
      : [
          {
            type: 'PurchaseCompleted',
            key: d.user_id,
            fields: {
              user_id: d.user_id,
              order_id: d.order_id,
              items: d.items.map((i) => ({
                product_id: i.product_id,
                ...variantOf(i),
                quantity: i.quantity,
                unit_price: i.unit_price,
              })),
              currency: d.currency,
            },
          },
        ],
};
