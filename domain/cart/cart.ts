import { type Decider, unreachable } from '../shared/decider.ts';
import { DomainError, ErrorCode, invalid, notFound } from '../shared/errors.ts';
import type { CartItemId, CartOwnerId, ProductId, VariantId } from '../shared/ids.ts';
import { makeId } from '../shared/ids.ts';
import { toMajorUnits } from '../shared/money.ts';
import { applyCoupon, couponFrom, removeCoupon } from './cart-coupon.ts';
import { closeGuestCart, evolveLifetime, expireCart, mergeGuestLines } from './cart-lifetime.ts';
import {
  type CartId,
  type CartLine,
  type CartState,
  lineKey,
  variantFieldsOf,
  versionFor,
} from './cart-state.ts';
import { assertNotCheckingOut, beginCheckout, endCheckout, repriceCart } from './checkout-rules.ts';
import type {
  AddItemToCart,
  CartCommand,
  ChangeCartItemQuantity,
  CheckOutCart,
  ClearCart,
  RemoveCartItem,
} from './commands.ts';
import type { CartEvent, ItemAddedToCart } from './events.ts';

export type { CartId } from './cart-state.ts';

/** One cart per user (or per guest cart token, see cart-lifetime.ts), so one stream per owner. */
export const cartStream = (userId: CartOwnerId) => `cart-${userId}`;

/** The cart id is derived from its owner (`usr_abc` → `cart_abc`): one cart per user, stable across checkouts. */
export const cartIdFor = (userId: CartOwnerId): CartId =>
  makeId('cart', userId.slice(userId.indexOf('_') + 1));

export const MAX_LINE_QUANTITY = 99;

export type { CartCheckout, CartLine, CartLineVariant, CartState } from './cart-state.ts';
export { lineKey } from './cart-state.ts';

export const initialState = (): CartState => ({
  cartId: null,
  userId: null,
  open: false,
  lines: [],
  createdAt: null,
  updatedAt: null,
  checkout: null,
  lastOrder: null,
  coupon: null,
});

/** The commands that change the lines a running checkout has reserved (see assertNotCheckingOut). */
const LINE_EDITS: ReadonlySet<CartCommand['type']> = new Set([
  'AddItemToCart',
  'ChangeCartItemQuantity',
  'RemoveCartItem',
  'ClearCart',
  'MergeGuestLines',
]);

export const findLine = (state: CartState, cartItemId: CartItemId) =>
  state.lines.find((line) => line.cartItemId === cartItemId);

export function decide(command: CartCommand, state: CartState): CartEvent[] {
  const events = decideOn(command, state);
  // Checked after the command's own refusals (bad quantity, unknown line): those keep their codes.
  if (events.length > 0 && LINE_EDITS.has(command.type)) assertNotCheckingOut(state, command.data.now);
  return events;
}

function decideOn(command: CartCommand, state: CartState): CartEvent[] {
  switch (command.type) {
    case 'AddItemToCart':
      return addItem(command, state);
    case 'ChangeCartItemQuantity':
      return changeQuantity(command, state);
    case 'RemoveCartItem':
      return removeItem(command, state);
    case 'ClearCart':
      return clear(command, state);
    case 'CheckOutCart':
      return checkOut(command, state);
    case 'BeginCheckout':
      return beginCheckout(command, state);
    case 'EndCheckout':
      return endCheckout(command, state);
    case 'RepriceCart':
      return repriceCart(command, state);
    case 'CloseGuestCart':
      return closeGuestCart(command, state);
    case 'MergeGuestLines':
      return mergeGuestLines(command, state);
    case 'ExpireCart':
      return expireCart(command, state);
    case 'ApplyCartCoupon':
      return applyCoupon(command, state);
    case 'RemoveCartCoupon':
      return removeCoupon(command, state);
    default:
      return unreachable(command);
  }
}

const invalidQuantity = (message: string) =>
  new DomainError(ErrorCode.InvalidQuantity, `Invalid quantity: ${message}`, [
    { field: 'quantity', message },
  ]);

const insufficientStock = (productId: ProductId, available: number) =>
  new DomainError(ErrorCode.InsufficientStock, `Insufficient stock for ${productId}`, [
    { field: 'quantity', message: `only ${Math.max(0, available)} available` },
  ]);

const isLineQuantity = (quantity: number) =>
  Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_LINE_QUANTITY;

function addItem({ data }: AddItemToCart, state: CartState): CartEvent[] {
  const { product, quantity, available } = data;
  // A discontinued product answers as an unknown one: it is not for sale, and the client cannot tell them apart.
  if (product.discontinued) throw notFound('Product', product.productId);
  if (!isLineQuantity(quantity)) throw invalidQuantity(`must be 1 to ${MAX_LINE_QUANTITY}`);
  if (data.expectedPrice !== undefined && data.expectedPrice !== product.price)
    throw new DomainError(ErrorCode.PriceChanged, `Price of ${product.productId} changed`, [
      {
        field: 'price',
        message: `current price is ${toMajorUnits(product.price).toFixed(2)} ${product.currency}`,
      },
    ]);
  const cartCurrency = state.lines[0]?.currency;
  if (cartCurrency !== undefined && cartCurrency !== product.currency)
    throw invalid('product_id', `priced in ${product.currency}, but the cart is in ${cartCurrency}`);
  const key = lineKey(product);
  const existing = state.lines.find((line) => lineKey(line) === key);
  const lineQuantity = (existing?.quantity ?? 0) + quantity;
  if (lineQuantity > MAX_LINE_QUANTITY)
    throw invalidQuantity(
      `at most ${MAX_LINE_QUANTITY} per line; the cart already holds ${existing?.quantity ?? 0}`,
    );
  if (lineQuantity > available) throw insufficientStock(product.productId, available);

  const cartId = cartIdFor(data.userId);
  const owner = { schema_version: 1 as const, cart_id: cartId, user_id: data.userId };
  const events: CartEvent[] = state.open
    ? []
    : [{ type: 'CartCreated', data: { ...owner, created_at: data.now } }];
  // A merge refreshes the line's snapshot to the product as it is now: the customer has just
  // accepted that price, and the whole line is then charged at one price.
  events.push({
    type: 'ItemAddedToCart',
    data: {
      ...owner,
      cart_item_id: existing?.cartItemId ?? data.cartItemId,
      product_id: product.productId,
      product_name: product.name,
      image: product.image,
      unit_price: product.price,
      currency: product.currency,
      quantity,
      line_quantity: lineQuantity,
      added_at: data.now,
      ...(product.variant
        ? {
            schema_version: 2 as const,
            variant_id: product.variant.variantId as VariantId,
            sku: product.variant.sku,
            variant_options: { ...product.variant.options },
          }
        : {}),
    },
  });
  return events;
}

function line(state: CartState, cartItemId: CartItemId): CartLine & { cartId: CartId } {
  const found = findLine(state, cartItemId);
  // Another user's item is simply not in this user's stream, so it is unknown here too (RES_3001, not 403).
  if (!found || state.cartId === null) throw notFound('Cart item', cartItemId);
  return { ...found, cartId: state.cartId };
}

function changeQuantity({ data }: ChangeCartItemQuantity, state: CartState): CartEvent[] {
  const { quantity } = data;
  if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_LINE_QUANTITY)
    throw invalidQuantity(`must be 0 to ${MAX_LINE_QUANTITY} (0 removes the item)`);
  const current = line(state, data.cartItemId);
  const owner = { schema_version: versionFor([current]), cart_id: current.cartId, user_id: data.userId };
  const item = {
    cart_item_id: current.cartItemId,
    product_id: current.productId,
    ...variantFieldsOf(current),
  };
  if (quantity === 0)
    return [
      {
        type: 'CartItemRemoved',
        data: { ...owner, ...item, quantity: current.quantity, removed_at: data.now },
      },
    ];
  if (quantity === current.quantity) return [];
  // Only growing a line needs stock: lowering it must work even when stock has since run short.
  if (quantity > current.quantity && quantity > data.available)
    throw insufficientStock(current.productId, data.available);
  return [
    {
      type: 'CartItemQuantityChanged',
      data: { ...owner, ...item, old_quantity: current.quantity, quantity, changed_at: data.now },
    },
  ];
}

function removeItem({ data }: RemoveCartItem, state: CartState): CartEvent[] {
  const current = line(state, data.cartItemId);
  return [
    {
      type: 'CartItemRemoved',
      data: {
        schema_version: versionFor([current]),
        cart_id: current.cartId,
        user_id: data.userId,
        cart_item_id: current.cartItemId,
        product_id: current.productId,
        ...variantFieldsOf(current),
        quantity: current.quantity,
        removed_at: data.now,
      },
    },
  ];
}

// Clearing an empty (or never created) cart decides nothing: DELETE /cart is idempotent.
function clear({ data }: ClearCart, state: CartState): CartEvent[] {
  if (state.lines.length === 0 || state.cartId === null) return [];
  return [
    {
      type: 'CartCleared',
      data: { schema_version: 1, cart_id: state.cartId, user_id: data.userId, cleared_at: data.now },
    },
  ];
}

function checkOut({ data }: CheckOutCart, state: CartState): CartEvent[] {
  const first = state.lines[0];
  if (!first || state.cartId === null) throw new DomainError(ErrorCode.CartEmpty, 'Cart is empty');
  return [
    {
      type: 'CartCheckedOut',
      data: {
        schema_version: versionFor(state.lines),
        cart_id: state.cartId,
        user_id: data.userId,
        order_id: data.orderId ?? null,
        items: state.lines.map((line) => ({
          cart_item_id: line.cartItemId,
          product_id: line.productId,
          ...variantFieldsOf(line),
          ...(line.variant ? { variant_options: { ...line.variant.options } } : {}),
          product_name: line.productName,
          unit_price: line.unitPrice,
          quantity: line.quantity,
        })),
        currency: first.currency,
        checked_out_at: data.now,
      },
    },
  ];
}

/** The variant an ItemAddedToCart names (v2), as a line keeps it; nothing for v1. */
export const variantOf = (data: Pick<ItemAddedToCart['data'], 'variant_id' | 'sku' | 'variant_options'>) =>
  data.variant_id
    ? { variant: { variantId: data.variant_id, sku: data.sku ?? '', options: data.variant_options ?? {} } }
    : {};

export function evolve(state: CartState, event: CartEvent): CartState {
  const owned = { ...state, cartId: event.data.cart_id, userId: event.data.user_id };
  switch (event.type) {
    case 'CartCreated':
      return {
        ...owned,
        open: true,
        lines: [],
        createdAt: event.data.created_at,
        updatedAt: event.data.created_at,
      };
    case 'ItemAddedToCart': {
      const { data } = event;
      const { cart_item_id: cartItemId, added_at: addedAt } = data;
      const existing = findLine(state, cartItemId);
      const snapshot = {
        productName: data.product_name,
        image: data.image,
        unitPrice: data.unit_price,
        currency: data.currency,
        quantity: data.line_quantity,
      };
      const lines = existing
        ? state.lines.map((line) => (line.cartItemId === cartItemId ? { ...line, ...snapshot } : line))
        : [
            ...state.lines,
            { cartItemId, productId: data.product_id, ...variantOf(data), ...snapshot, addedAt },
          ];
      const reopened = {
        ...owned,
        open: true,
        lines,
        createdAt: state.createdAt ?? addedAt,
        updatedAt: addedAt,
      };
      return state.expiredAt ? { ...reopened, expiredAt: null } : reopened;
    }
    case 'CartItemQuantityChanged':
      return {
        ...owned,
        lines: state.lines.map((line) =>
          line.cartItemId === event.data.cart_item_id ? { ...line, quantity: event.data.quantity } : line,
        ),
        updatedAt: event.data.changed_at,
      };
    case 'CartItemRemoved':
      return {
        ...owned,
        lines: state.lines.filter((line) => line.cartItemId !== event.data.cart_item_id),
        updatedAt: event.data.removed_at,
      };
    case 'CartCleared':
      return { ...owned, lines: [], updatedAt: event.data.cleared_at };
    case 'CartCheckedOut': {
      const { order_id: orderId, checked_out_at: at } = event.data;
      const lastOrder = orderId ? { orderId, at } : state.lastOrder;
      return { ...owned, open: false, lines: [], updatedAt: at, checkout: null, lastOrder, coupon: null };
    }
    case 'CartCheckoutBegan':
      return {
        ...owned,
        checkout: { reservationId: event.data.reservation_id, expiresAt: event.data.expires_at },
      };
    case 'CartCheckoutEnded':
      return state.checkout?.reservationId === event.data.reservation_id
        ? { ...owned, checkout: null }
        : owned;
    case 'CartLineRepriced':
      return {
        ...owned,
        lines: state.lines.map((line) =>
          line.cartItemId === event.data.cart_item_id ? { ...line, unitPrice: event.data.unit_price } : line,
        ),
        updatedAt: event.data.repriced_at,
      };
    case 'CartMergedFromGuest':
    case 'GuestCartMerged':
    case 'CartExpired':
      return evolveLifetime(owned, event);
    case 'CouponAppliedToCart':
      return { ...owned, coupon: couponFrom(event.data), updatedAt: event.data.applied_at };
    case 'CouponRemovedFromCart':
      return { ...owned, coupon: null, updatedAt: event.data.removed_at };
    default:
      return unreachable(event);
  }
}

export const cartDecider: Decider<CartCommand, CartEvent, CartState> = { decide, evolve, initialState };
