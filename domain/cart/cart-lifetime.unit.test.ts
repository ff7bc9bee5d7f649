import { describe, expect, it } from 'vitest';
import { given } from '../shared/given.ts';
import { type CartItemId, makeId } from '../shared/ids.ts';
import { cartDecider, cartIdFor } from './cart.ts';
import type { CartCommand, CartProduct } from './commands.ts';
import { type CartEvent, cartEventSchemas } from './events.ts';

const userId = makeId('user', 'u1');
const guestId = makeId('guest', 'a'.repeat(64));
const guestCartId = cartIdFor(guestId);
const cartId = cartIdFor(userId);
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const day = 86_400_000;
const item = (name: string) => makeId('cartItem', name);

const laptop: CartProduct = {
  productId: makeId('product', 'laptop'),
  name: 'Laptop',
  price: 99_999,
  currency: 'USD',
  image: null,
  discontinued: false,
};
const mouse: CartProduct = { ...laptop, productId: makeId('product', 'mouse'), name: 'Mouse', price: 1_999 };

const cart = given(cartDecider);
const addedTo = (
  owner: typeof userId | typeof guestId,
  product: CartProduct,
  cartItemId: CartItemId,
  quantity: number,
  at = t0,
): CartEvent[] => {
  const o = { schema_version: 1 as const, cart_id: cartIdFor(owner), user_id: owner };
  return [
    { type: 'CartCreated', data: { ...o, created_at: at } },
    {
      type: 'ItemAddedToCart',
      data: {
        ...o,
        cart_item_id: cartItemId,
        product_id: product.productId,
        product_name: product.name,
        image: product.image,
        unit_price: product.price,
        currency: product.currency,
        quantity,
        line_quantity: quantity,
        added_at: at,
      },
    },
  ];
};
const merge = (lines: { product: CartProduct | null; quantity: number; cartItemId: CartItemId }[]) =>
  ({ type: 'MergeGuestLines', data: { userId, guestCartId, lines, now: t1 } }) as CartCommand;
const close: CartCommand = { type: 'CloseGuestCart', data: { userId: guestId, intoUserId: userId, now: t1 } };
const expire = (owner: typeof userId | typeof guestId, idleMs: number, now = t1): CartCommand => ({
  type: 'ExpireCart',
  data: { userId: owner, idleMs, now },
});

describe('cart lifetime: closing a guest cart for its merge', () => {
  it('closes a guest cart with lines, naming the customer, and it then holds nothing', () => {
    const history = addedTo(guestId, laptop, item('g1'), 2);
    const [event] = cart(...history)
      .when(close)
      .events();
    expect(event).toMatchObject({
      type: 'GuestCartMerged',
      data: { cart_id: guestCartId, user_id: guestId, into_user_id: userId, into_cart_id: cartId },
    });
    expect(cartEventSchemas.GuestCartMerged.safeParse(event!.data).success).toBe(true);
    const state = cart(...history, event!).state();
    expect(state).toMatchObject({ open: false, lines: [], mergedInto: userId });
  });

  it('a second close (a concurrent login decided again) decides nothing', () => {
    const history = addedTo(guestId, laptop, item('g1'), 2);
    const [event] = cart(...history)
      .when(close)
      .events();
    cart(...history, event!)
      .when(close)
      .thenEvents([]);
  });

  it('an unknown or empty guest cart decides nothing', () => {
    cart().when(close).thenEvents([]);
  });
});

describe('cart lifetime: merging the guest lines into the customer cart', () => {
  it('adds quantities to an existing line at the price now, and new lines after', () => {
    const history = addedTo(userId, laptop, item('c1'), 3);
    const cheaper = { ...laptop, price: 89_999 };
    const events = cart(...history)
      .when(
        merge([
          { product: cheaper, quantity: 2, cartItemId: item('n1') },
          { product: mouse, quantity: 4, cartItemId: item('n2') },
        ]),
      )
      .events();
    expect(events).toHaveLength(1);
    expect(cartEventSchemas.CartMergedFromGuest.safeParse(events[0]!.data).success).toBe(true);
    const state = cart(...history, ...events).state();
    expect(state.lines.map((l) => [l.cartItemId, l.quantity, l.unitPrice])).toEqual([
      [item('c1'), 5, 89_999],
      [item('n2'), 4, 1_999],
    ]);
  });

  it('caps a merged line at 99 and leaves a line already at 99 alone', () => {
    const history = addedTo(userId, laptop, item('c1'), 90);
    const events = cart(...history)
      .when(merge([{ product: laptop, quantity: 50, cartItemId: item('n1') }]))
      .events();
    expect(events[0]).toMatchObject({ data: { lines: [{ quantity: 9, line_quantity: 99 }] } });
    const full = [...history, ...events];
    const again = cart(...full)
      .when({
        type: 'MergeGuestLines',
        data: {
          userId,
          guestCartId: 'cart_other',
          lines: [{ product: laptop, quantity: 1, cartItemId: item('x') }],
          now: t1,
        },
      })
      .events();
    expect(again[0]).toMatchObject({ data: { lines: [] } });
  });

  it('merges each guest cart once: the same merge again decides nothing', () => {
    const history = addedTo(userId, laptop, item('c1'), 1);
    const command = merge([{ product: mouse, quantity: 1, cartItemId: item('n1') }]);
    const events = cart(...history)
      .when(command)
      .events();
    cart(...history, ...events)
      .when(command)
      .thenEvents([]);
  });

  it('creates the customer cart when it had none, and drops products no longer for sale', () => {
    const events = cart()
      .when(
        merge([
          { product: null, quantity: 1, cartItemId: item('n0') },
          { product: { ...mouse, discontinued: true }, quantity: 1, cartItemId: item('n1') },
          { product: laptop, quantity: 2, cartItemId: item('n2') },
        ]),
      )
      .events();
    expect(events.map((e) => e.type)).toEqual(['CartCreated', 'CartMergedFromGuest']);
    expect(cart(...events).state()).toMatchObject({
      open: true,
      lines: [{ productId: laptop.productId, quantity: 2 }],
    });
  });
});

describe('cart lifetime: expiry', () => {
  it('expires a cart idle for its lifetime: emptied, closed, and an add opens it again', () => {
    const history = addedTo(guestId, laptop, item('g1'), 2);
    const now = new Date(Date.parse(t0) + 7 * day).toISOString();
    const events = cart(...history)
      .when(expire(guestId, 7 * day, now))
      .events();
    expect(events).toMatchObject([{ type: 'CartExpired', data: { idle_since: t0, expired_at: now } }]);
    expect(cartEventSchemas.CartExpired.safeParse(events[0]!.data).success).toBe(true);
    expect(cart(...history, ...events).state()).toMatchObject({ open: false, lines: [], expiredAt: now });
    const reopened = cart(
      ...history,
      ...events,
      ...addedTo(guestId, mouse, item('g2'), 1, now).slice(1),
    ).state();
    expect(reopened).toMatchObject({ open: true, expiredAt: null, lines: [{ cartItemId: item('g2') }] });
  });

  it('a cart changed within its lifetime, or empty, does not expire', () => {
    cart(...addedTo(userId, laptop, item('c1'), 1))
      .when(expire(userId, 30 * day))
      .thenEvents([]);
    cart().when(expire(userId, 1)).thenEvents([]);
  });

  it('a cart being checked out does not expire', () => {
    const history = addedTo(userId, laptop, item('c1'), 1);
    const began: CartEvent = {
      type: 'CartCheckoutBegan',
      data: {
        schema_version: 1,
        cart_id: cartId,
        user_id: userId,
        reservation_id: makeId('reservation', 'r1'),
        expires_at: '2026-01-15T12:00:00.000Z',
        began_at: t0,
      },
    };
    cart(...history, began)
      .when(expire(userId, 1))
      .thenEvents([]);
  });
});
