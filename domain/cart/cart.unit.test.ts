import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { type CartItemId, makeId } from '../shared/ids.ts';
import { cartDecider, cartIdFor, cartStream } from './cart.ts';
import type { AddItemToCart, CartCommand, CartProduct } from './commands.ts';
import { type CartEvent, cartEventSchemas, type ItemAddedToCart } from './events.ts';

const userId = makeId('user', 'u1');
const cartId = cartIdFor(userId);
const orderId = makeId('order', 'o1');
const item1 = makeId('cartItem', 'i1');
const item2 = makeId('cartItem', 'i2');
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const owner = { schema_version: 1 as const, cart_id: cartId, user_id: userId };

const laptop: CartProduct = {
  productId: makeId('product', 'laptop'),
  name: 'Laptop',
  price: 99_999,
  currency: 'USD',
  image: 'laptop.png',
  discontinued: false,
};
const mouse: CartProduct = {
  ...laptop,
  productId: makeId('product', 'mouse'),
  name: 'Mouse',
  price: 1_999,
  image: null,
};

const cart = given(cartDecider);

const add = (
  product: CartProduct,
  quantity: number,
  extra: Partial<AddItemToCart['data']> = {},
): CartCommand => ({
  type: 'AddItemToCart',
  data: { userId, cartItemId: item1, product, available: 50, quantity, now: t1, ...extra },
});
const setQuantity = (cartItemId: CartItemId, quantity: number, available = 50): CartCommand => ({
  type: 'ChangeCartItemQuantity',
  data: { userId, cartItemId, quantity, available, now: t1 },
});

const created: CartEvent = { type: 'CartCreated', data: { ...owner, created_at: t0 } };
const added = (
  product: CartProduct,
  cartItemId: CartItemId,
  quantity: number,
  lineQuantity = quantity,
  at = t0,
): ItemAddedToCart => ({
  type: 'ItemAddedToCart',
  data: {
    ...owner,
    cart_item_id: cartItemId,
    product_id: product.productId,
    product_name: product.name,
    image: product.image,
    unit_price: product.price,
    currency: product.currency,
    quantity,
    line_quantity: lineQuantity,
    added_at: at,
  },
});

/** Every decided event must satisfy the schema it is documented with. */
const expectValid = (events: CartEvent[]) => {
  for (const event of events) expect(cartEventSchemas[event.type].parse(event.data)).toEqual(event.data);
};

describe('AddItemToCart', () => {
  it('creates the cart with its first line, keeping a snapshot of name, image and price', () => {
    const events = cart()
      .when(add(laptop, 2))
      .thenEvents([
        { type: 'CartCreated', data: { ...owner, created_at: t1 } },
        added(laptop, item1, 2, 2, t1),
      ]);
    expectValid(events);
  });

  it('adds another product as a new line of the open cart', () => {
    cart(created, added(laptop, item1, 1))
      .when(add(mouse, 3, { cartItemId: item2 }))
      .thenEvents([added(mouse, item2, 3, 3, t1)]);
  });

  it('merges a product already in the cart into its line', () => {
    const events = cart(created, added(laptop, item1, 2))
      .when(add(laptop, 3, { cartItemId: item2 }))
      .thenEvents([added(laptop, item1, 3, 5, t1)]);
    expectValid(events);
  });

  it('allows a merged line of exactly 99', () => {
    cart(created, added(laptop, item1, 90))
      .when(add(laptop, 9, { available: 1000 }))
      .thenEvents([added(laptop, item1, 9, 99, t1)]);
  });

  it('refuses a merge that would take the line over 99 (BIZ_4002)', () => {
    const error = cart(created, added(laptop, item1, 90))
      .when(add(laptop, 10, { available: 1000 }))
      .thenThrows(ErrorCode.InvalidQuantity);
    expect(error.details[0]?.field).toBe('quantity');
  });

  it.each([0, -1, 100, 1.5])('refuses quantity %s (BIZ_4002)', (quantity) => {
    cart().when(add(laptop, quantity)).thenThrows(ErrorCode.InvalidQuantity);
  });

  it('refuses a discontinued product as unknown (RES_3001)', () => {
    cart()
      .when(add({ ...laptop, discontinued: true }, 1))
      .thenThrows(ErrorCode.NotFound);
  });

  it('refuses more than is available now (BIZ_4001, naming what is left)', () => {
    const error = cart()
      .when(add(laptop, 4, { available: 3 }))
      .thenThrows(ErrorCode.InsufficientStock);
    expect(error.details).toEqual([{ field: 'quantity', message: 'only 3 available' }]);
  });

  it('counts the line already in the cart against what is available', () => {
    const error = cart(created, added(laptop, item1, 2))
      .when(add(laptop, 2, { available: 3 }))
      .thenThrows(ErrorCode.InsufficientStock);
    expect(error.details).toEqual([{ field: 'quantity', message: 'only 3 available' }]);
  });

  it('accepts the price the client saw when it is still current', () => {
    expect(
      cart()
        .when(add(laptop, 1, { expectedPrice: 99_999 }))
        .events(),
    ).toHaveLength(2);
  });

  it('refuses when the price the client saw is no longer current (BIZ_4005)', () => {
    const error = cart()
      .when(add(laptop, 1, { expectedPrice: 89_999 }))
      .thenThrows(ErrorCode.PriceChanged);
    expect(error.details).toEqual([{ field: 'price', message: 'current price is 999.99 USD' }]);
  });

  it('refuses a product priced in another currency than the cart (VAL_2001)', () => {
    cart(created, added(laptop, item1, 1))
      .when(add({ ...mouse, currency: 'EUR' }, 1, { cartItemId: item2 }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('creates the cart again after a checkout', () => {
    const checkedOut: CartEvent = {
      type: 'CartCheckedOut',
      data: {
        ...owner,
        order_id: orderId,
        items: [
          {
            cart_item_id: item1,
            product_id: laptop.productId,
            product_name: 'Laptop',
            unit_price: 99_999,
            quantity: 1,
          },
        ],
        currency: 'USD',
        checked_out_at: t0,
      },
    };
    cart(created, added(laptop, item1, 1), checkedOut)
      .when(add(laptop, 1, { cartItemId: item2 }))
      .thenEvents([
        { type: 'CartCreated', data: { ...owner, created_at: t1 } },
        added(laptop, item2, 1, 1, t1),
      ]);
  });
});

describe('ChangeCartItemQuantity', () => {
  it('sets a line to a new quantity', () => {
    const events = cart(created, added(laptop, item1, 2))
      .when(setQuantity(item1, 5))
      .thenEvents([
        {
          type: 'CartItemQuantityChanged',
          data: {
            ...owner,
            cart_item_id: item1,
            product_id: laptop.productId,
            old_quantity: 2,
            quantity: 5,
            changed_at: t1,
          },
        },
      ]);
    expectValid(events);
  });

  it('removes the line when set to 0', () => {
    const events = cart(created, added(laptop, item1, 2))
      .when(setQuantity(item1, 0))
      .thenEvents([
        {
          type: 'CartItemRemoved',
          data: { ...owner, cart_item_id: item1, product_id: laptop.productId, quantity: 2, removed_at: t1 },
        },
      ]);
    expectValid(events);
  });

  it('decides nothing when the quantity is unchanged', () => {
    cart(created, added(laptop, item1, 2))
      .when(setQuantity(item1, 2))
      .thenEvents([]);
  });

  it('refuses an unknown cart item (RES_3001)', () => {
    cart(created, added(laptop, item1, 2))
      .when(setQuantity(item2, 1))
      .thenThrows(ErrorCode.NotFound);
    cart().when(setQuantity(item1, 1)).thenThrows(ErrorCode.NotFound);
  });

  it.each([-1, 100, 2.5])('refuses quantity %s (BIZ_4002)', (quantity) => {
    cart(created, added(laptop, item1, 2))
      .when(setQuantity(item1, quantity))
      .thenThrows(ErrorCode.InvalidQuantity);
  });

  it('refuses growing a line beyond what is available (BIZ_4001)', () => {
    const error = cart(created, added(laptop, item1, 2))
      .when(setQuantity(item1, 5, 4))
      .thenThrows(ErrorCode.InsufficientStock);
    expect(error.details).toEqual([{ field: 'quantity', message: 'only 4 available' }]);
  });

  it('lets a line shrink even when stock has since run short', () => {
    expect(
      cart(created, added(laptop, item1, 5))
        .when(setQuantity(item1, 3, 1))
        .events(),
    ).toHaveLength(1);
  });
});

describe('RemoveCartItem', () => {
  const remove = (cartItemId: CartItemId): CartCommand => ({
    type: 'RemoveCartItem',
    data: { userId, cartItemId, now: t1 },
  });

  it('removes a line', () => {
    cart(created, added(laptop, item1, 2), added(mouse, item2, 1))
      .when(remove(item2))
      .thenEvents([
        {
          type: 'CartItemRemoved',
          data: { ...owner, cart_item_id: item2, product_id: mouse.productId, quantity: 1, removed_at: t1 },
        },
      ]);
  });

  it('refuses an unknown or already removed item (RES_3001)', () => {
    cart(created, added(laptop, item1, 2))
      .when(remove(item2))
      .thenThrows(ErrorCode.NotFound);
    const removed: CartEvent = {
      type: 'CartItemRemoved',
      data: { ...owner, cart_item_id: item1, product_id: laptop.productId, quantity: 2, removed_at: t0 },
    };
    cart(created, added(laptop, item1, 2), removed)
      .when(remove(item1))
      .thenThrows(ErrorCode.NotFound);
  });
});

describe('ClearCart', () => {
  const clearCart: CartCommand = { type: 'ClearCart', data: { userId, now: t1 } };

  it('empties the cart', () => {
    const events = cart(created, added(laptop, item1, 2))
      .when(clearCart)
      .thenEvents([{ type: 'CartCleared', data: { ...owner, cleared_at: t1 } }]);
    expectValid(events);
  });

  it('decides nothing for an empty or never created cart', () => {
    cart().when(clearCart).thenEvents([]);
    cart(created).when(clearCart).thenEvents([]);
  });
});

describe('CheckOutCart', () => {
  const checkOut: CartCommand = { type: 'CheckOutCart', data: { userId, orderId, now: t1 } };

  it('hands the lines, as they are, to the order and empties the cart', () => {
    const events = cart(created, added(laptop, item1, 2), added(mouse, item2, 3))
      .when(checkOut)
      .thenEvents([
        {
          type: 'CartCheckedOut',
          data: {
            ...owner,
            order_id: orderId,
            items: [
              {
                cart_item_id: item1,
                product_id: laptop.productId,
                product_name: 'Laptop',
                unit_price: 99_999,
                quantity: 2,
              },
              {
                cart_item_id: item2,
                product_id: mouse.productId,
                product_name: 'Mouse',
                unit_price: 1_999,
                quantity: 3,
              },
            ],
            currency: 'USD',
            checked_out_at: t1,
          },
        },
      ]);
    expectValid(events);
    const after = fold(cartDecider, [created, added(laptop, item1, 2), ...events]);
    expect(after).toMatchObject({ open: false, lines: [] });
  });

  it('records a null order id when none is given', () => {
    const [event] = cart(created, added(laptop, item1, 1))
      .when({ type: 'CheckOutCart', data: { userId, now: t1 } })
      .events();
    expect(event?.data).toMatchObject({ order_id: null });
  });

  it('refuses an empty cart (BIZ_4003)', () => {
    cart().when(checkOut).thenThrows(ErrorCode.CartEmpty);
    cart(created, added(laptop, item1, 1), { type: 'CartCleared', data: { ...owner, cleared_at: t0 } })
      .when(checkOut)
      .thenThrows(ErrorCode.CartEmpty);
  });
});

describe('cart state', () => {
  it('folds lines in the order they were added, a merge refreshing the snapshot', () => {
    const cheaper = { ...laptop, name: 'Laptop (2026)', price: 89_999, image: 'new.png' };
    const state = fold(cartDecider, [
      created,
      added(laptop, item1, 2),
      added(mouse, item2, 1),
      added(cheaper, item1, 1, 3, t1),
    ]);
    expect(state).toEqual({
      cartId,
      userId,
      open: true,
      createdAt: t0,
      updatedAt: t1,
      checkout: null,
      lastOrder: null,
      coupon: null,
      lines: [
        {
          cartItemId: item1,
          productId: laptop.productId,
          productName: 'Laptop (2026)',
          image: 'new.png',
          unitPrice: 89_999,
          currency: 'USD',
          quantity: 3,
          addedAt: t0,
        },
        {
          cartItemId: item2,
          productId: mouse.productId,
          productName: 'Mouse',
          image: null,
          unitPrice: 1_999,
          currency: 'USD',
          quantity: 1,
          addedAt: t0,
        },
      ],
    });
  });

  it('names its stream cart-<userId> and derives the cart id from the user', () => {
    expect(cartStream(userId)).toBe('cart-usr_u1');
    expect(cartId).toBe('cart_u1');
  });
});
