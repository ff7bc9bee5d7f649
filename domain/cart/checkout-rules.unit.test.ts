import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId, type ReservationId } from '../shared/ids.ts';
import { cartDecider, cartIdFor } from './cart.ts';
import { activeCheckout, CONCURRENT_CHECKOUT_MS, recentOrder } from './checkout-rules.ts';
import type { BeginCheckout, CartCommand, CartProduct, CurrentProducts } from './commands.ts';
import { type CartEvent, cartEventSchemas } from './events.ts';

const userId = makeId('user', 'u1');
const cartId = cartIdFor(userId);
const item = makeId('cartItem', 'i1');
const owner = { schema_version: 1 as const, cart_id: cartId, user_id: userId };
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T10:01:00.000Z';
const expiresAt = '2026-01-15T10:10:00.000Z';
const afterExpiry = '2026-01-15T10:10:00.000Z';
const rsv1 = makeId('reservation', 'r1') as ReservationId;
const rsv2 = makeId('reservation', 'r2') as ReservationId;

const lamp: CartProduct = {
  productId: makeId('product', 'lamp'),
  name: 'Lamp',
  price: 1000,
  currency: 'USD',
  image: null,
  discontinued: false,
};
const catalog = (product: CartProduct = lamp): CurrentProducts => ({ [lamp.productId]: product });

const created: CartEvent = { type: 'CartCreated', data: { ...owner, created_at: t0 } };
const added: CartEvent = {
  type: 'ItemAddedToCart',
  data: {
    ...owner,
    cart_item_id: item,
    product_id: lamp.productId,
    product_name: 'Lamp',
    image: null,
    unit_price: 1000,
    currency: 'USD',
    quantity: 2,
    line_quantity: 2,
    added_at: t0,
  },
};
const began = (reservation_id: ReservationId = rsv1, at = t0): CartEvent => ({
  type: 'CartCheckoutBegan',
  data: { ...owner, reservation_id, expires_at: expiresAt, began_at: at },
});
const endedBy = (reason: 'released' | 'failed' | 'cancelled'): CartEvent => ({
  type: 'CartCheckoutEnded',
  data: { ...owner, reservation_id: rsv1, reason, ended_at: t1 },
});
const checkedOut: CartEvent = {
  type: 'CartCheckedOut',
  data: {
    ...owner,
    order_id: makeId('order', 'o1'),
    items: [
      { cart_item_id: item, product_id: lamp.productId, product_name: 'Lamp', unit_price: 1000, quantity: 2 },
    ],
    currency: 'USD',
    checked_out_at: t1,
  },
};

const begin = (reservationId: ReservationId, extra: Partial<BeginCheckout['data']> = {}): CartCommand => ({
  type: 'BeginCheckout',
  data: { userId, reservationId, expiresAt, products: catalog(), now: t1, ...extra },
});
const cart = given(cartDecider);

describe('one checkout per cart', () => {
  it('begins a checkout of a cart with lines; the same checkout again decides nothing', () => {
    cart(created, added)
      .when(begin(rsv1))
      .thenEvents([began(rsv1, t1)]);
    cart(created, added, began()).when(begin(rsv1)).thenEvents([]);
  });

  it('refuses another checkout while one runs: BIZ_4010, or BIZ_4011 for a held reservation', () => {
    cart(created, added, began()).when(begin(rsv2)).thenThrows(ErrorCode.CheckoutInProgress);
    cart(created, added, began())
      .when(begin(rsv2, { active: { reservationId: rsv1, held: false } }))
      .thenThrows(ErrorCode.CheckoutInProgress);
    cart(created, added, began())
      .when(begin(rsv2, { active: { reservationId: rsv1, held: true } }))
      .thenThrows(ErrorCode.ReservationLimit);
    // A fact about some other reservation says nothing about the running one.
    cart(created, added, began())
      .when(begin(rsv2, { active: { reservationId: rsv2, held: true } }))
      .thenThrows(ErrorCode.CheckoutInProgress);
  });

  it('is free again once the checkout ended, lapsed, or the cart was checked out', () => {
    for (const reason of ['released', 'failed', 'cancelled'] as const)
      cart(created, added, began(), endedBy(reason))
        .when(begin(rsv2))
        .thenEvents([began(rsv2, t1)]);
    cart(created, added, began())
      .when(begin(rsv2, { now: afterExpiry }))
      .thenEvents([began(rsv2, afterExpiry)]);
    const state = cart(created, added, began(), checkedOut).state();
    expect(state.checkout).toBeNull();
    expect(activeCheckout(cart(created, added, began()).state(), afterExpiry)).toBeNull();
  });

  it('an ending names its checkout: another reservation ends nothing', () => {
    const end = (reservationId: ReservationId): CartCommand => ({
      type: 'EndCheckout',
      data: { userId, reservationId, reason: 'released', now: t1 },
    });
    cart(created, added, began()).when(end(rsv2)).thenEvents([]);
    cart(created, added, began())
      .when(end(rsv1))
      .thenEvents([endedBy('released')]);
    cart(created, added).when(end(rsv1)).thenEvents([]);
  });

  it('keeps the lines a running checkout reserved: every edit is BIZ_4010 naming it, until it ends or lapses', () => {
    const edits: CartCommand[] = [
      {
        type: 'AddItemToCart',
        data: { userId, cartItemId: item, product: lamp, available: 100, quantity: 1, now: t1 },
      },
      {
        type: 'ChangeCartItemQuantity',
        data: { userId, cartItemId: item, quantity: 1, available: 100, now: t1 },
      },
      { type: 'RemoveCartItem', data: { userId, cartItemId: item, now: t1 } },
      { type: 'ClearCart', data: { userId, now: t1 } },
      {
        type: 'MergeGuestLines',
        data: {
          userId,
          guestCartId: 'cart_guest',
          lines: [{ product: lamp, quantity: 1, cartItemId: makeId('cartItem', 'g1') }],
          now: t1,
        },
      },
    ];
    // The command's own refusals come first and keep their codes; an edit that changes nothing is no 409.
    cart(created, added, began())
      .when({
        type: 'ChangeCartItemQuantity',
        data: { userId, cartItemId: item, quantity: 100, available: 100, now: t1 },
      })
      .thenThrows(ErrorCode.InvalidQuantity);
    cart(created, added, began())
      .when({ type: 'RemoveCartItem', data: { userId, cartItemId: makeId('cartItem', 'nope'), now: t1 } })
      .thenThrows(ErrorCode.NotFound);
    cart(created, began())
      .when({ type: 'ClearCart', data: { userId, now: t1 } })
      .thenEvents([]);
    for (const edit of edits) {
      cart(created, added, began()).when(edit).thenThrows(ErrorCode.CheckoutInProgress);
      const later = { ...edit, data: { ...edit.data, now: afterExpiry } } as CartCommand;
      expect(cart(created, added, began()).when(later).events().length, edit.type).toBeGreaterThan(0);
      expect(cart(created, added, began(), endedBy('released')).when(edit).events().length).toBeGreaterThan(
        0,
      );
    }
  });

  it('an empty cart cannot check out (BIZ_4003)', () => {
    cart().when(begin(rsv1)).thenThrows(ErrorCode.CartEmpty);
    cart(created, added, checkedOut).when(begin(rsv1)).thenThrows(ErrorCode.CartEmpty);
  });

  it('answers a submission that arrived while it was checked out with its order, a later one not', () => {
    const state = cart(created, added, began(), checkedOut).state();
    const at = (ms: number) => new Date(Date.parse(t1) + ms).toISOString();
    expect(recentOrder(state, at(-5_000))).toBe('ord_o1'); // arrived before the checkout ended
    expect(recentOrder(state, at(CONCURRENT_CHECKOUT_MS))).toBe('ord_o1'); // another process's clock
    expect(recentOrder(state, at(CONCURRENT_CHECKOUT_MS + 1))).toBeNull(); // a new submission: BIZ_4003
  });
});

describe('checkout re-checks the catalog', () => {
  it('a discontinued or unlisted product stops it with BIZ_4006 naming the line', () => {
    const error = cart(created, added)
      .when(begin(rsv1, { products: catalog({ ...lamp, discontinued: true }) }))
      .thenThrows(ErrorCode.IllegalStateTransition);
    expect(error.details).toEqual([
      { field: `items.${lamp.productId}`, message: 'Lamp is discontinued; remove it from the cart' },
    ]);
    cart(created, added)
      .when(begin(rsv1, { products: {} }))
      .thenThrows(ErrorCode.IllegalStateTransition);
  });

  it('a moved price is BIZ_4005 naming old and new price', () => {
    const error = cart(created, added)
      .when(begin(rsv1, { products: catalog({ ...lamp, price: 10_000 }) }))
      .thenThrows(ErrorCode.PriceChanged);
    expect(error.details).toEqual([
      {
        field: `items.${lamp.productId}.unit_price`,
        message: 'Lamp: price changed from 10.00 USD to 100.00 USD',
      },
    ]);
  });

  it('repricing brings each moved line to the current price, after which checkout begins', () => {
    const reprice: CartCommand = {
      type: 'RepriceCart',
      data: { userId, products: catalog({ ...lamp, price: 10_000 }), now: t1 },
    };
    const repriced: CartEvent = {
      type: 'CartLineRepriced',
      data: {
        ...owner,
        cart_item_id: item,
        product_id: lamp.productId,
        old_unit_price: 1000,
        unit_price: 10_000,
        currency: 'USD',
        repriced_at: t1,
      },
    };
    cart(created, added).when(reprice).thenEvents([repriced]);
    cart(created, added, repriced).when(reprice).thenEvents([]);
    expect(cart(created, added, repriced).state().lines[0]?.unitPrice).toBe(10_000);
    cart(created, added, repriced)
      .when(begin(rsv1, { products: catalog({ ...lamp, price: 10_000 }) }))
      .thenEvents([began(rsv1, t1)]);
    expect(() => cartEventSchemas.CartLineRepriced.parse(repriced.data)).not.toThrow();
  });

  it('every new event matches its schema', () => {
    for (const event of [began(), endedBy('failed')])
      expect(() => cartEventSchemas[event.type].parse(event.data)).not.toThrow();
  });
});
