import { type CartItemId, makeId, type ProductId, type UserId, type VariantId } from '../shared/ids.ts';
import { lineKey } from '../shared/line-key.ts';
import { type CartLine, type CartState, variantFieldsOf, versionFor } from './cart-state.ts';
import { activeCheckout } from './checkout-rules.ts';
import type { CloseGuestCart, ExpireCart, MergeGuestLines } from './commands.ts';
import type { CartEvent, CartExpired, CartMergedFromGuest, GuestCartMerged } from './events.ts';

/**
 * A cart's life beyond add and checkout (docs/cart-lifetime.md): a guest cart is merged into the
 * customer's at login, in two steps on two streams. The guest cart is closed first, appended at the
 * revision read, so of concurrent logins with one token exactly one closes it; that one then adds the
 * lines to the customer's cart, which remembers each guest cart it took in (a repeat adds nothing).
 * A cart left unchanged for its lifetime expires: it is emptied by an event, never deleted.
 */
export const MAX_MERGED_LINE_QUANTITY = 99;

const itemsOf = (state: CartState) =>
  state.lines.map((line) => ({
    cart_item_id: line.cartItemId,
    product_id: line.productId,
    ...variantFieldsOf(line),
    quantity: line.quantity,
  }));

const withVariant = (state: CartState) => versionFor(state.lines);

/** Nothing to merge (empty, never created, already merged): decides nothing, the caller sees no event. */
export function closeGuestCart({ data }: CloseGuestCart, state: CartState): CartEvent[] {
  if (state.mergedInto || state.lines.length === 0 || state.cartId === null) return [];
  return [
    {
      type: 'GuestCartMerged',
      data: {
        schema_version: withVariant(state),
        cart_id: state.cartId,
        user_id: data.userId,
        into_user_id: data.intoUserId,
        into_cart_id: cartIdOf(data.intoUserId),
        items: state.lines.map((line) => ({
          cart_item_id: line.cartItemId,
          product_id: line.productId,
          ...(line.variant ? { variant_id: line.variant.variantId as VariantId } : {}),
          quantity: line.quantity,
        })),
        merged_at: data.now,
      },
    },
  ];
}

const cartIdOf = (userId: UserId) => makeId('cart', userId.slice(userId.indexOf('_') + 1));

/**
 * Quantities add up to at most 99 per line; each merged line takes the product's price now. A product
 * no longer for sale, or priced in another currency than the cart, is dropped; a line already at 99
 * gains nothing. Stock is not checked here: checkout reserves it (as for any cart line).
 */
export function mergeGuestLines({ data }: MergeGuestLines, state: CartState): CartEvent[] {
  if ((state.mergedGuestCarts ?? []).includes(data.guestCartId)) return [];
  const cartId = state.cartId ?? cartIdOf(data.userId);
  let currency = state.lines[0]?.currency;
  const quantities = new Map<string, { cartItemId: CartItemId; quantity: number }>(
    state.lines.map((line) => [lineKey(line), { cartItemId: line.cartItemId, quantity: line.quantity }]),
  );
  const lines: CartMergedFromGuest['data']['lines'] = [];
  for (const { product, quantity, cartItemId } of data.lines) {
    if (!product || product.discontinued) continue;
    if (currency !== undefined && currency !== product.currency) continue;
    currency = product.currency;
    const key = lineKey(product);
    const existing = quantities.get(key);
    const before = existing?.quantity ?? 0;
    const after = Math.min(MAX_MERGED_LINE_QUANTITY, before + quantity);
    if (after <= before) continue;
    const id = existing?.cartItemId ?? cartItemId;
    quantities.set(key, { cartItemId: id, quantity: after });
    lines.push({
      cart_item_id: id,
      product_id: product.productId,
      product_name: product.name,
      image: product.image,
      unit_price: product.price,
      currency: product.currency,
      quantity: after - before,
      line_quantity: after,
      ...(product.variant
        ? {
            variant_id: product.variant.variantId as VariantId,
            sku: product.variant.sku,
            variant_options: { ...product.variant.options },
          }
        : {}),
    });
  }
  const owner = { schema_version: 1 as const, cart_id: cartId, user_id: data.userId };
  const events: CartEvent[] =
    !state.open && lines.length > 0
      ? [{ type: 'CartCreated', data: { ...owner, created_at: data.now } }]
      : [];
  events.push({
    type: 'CartMergedFromGuest',
    data: {
      ...owner,
      schema_version: lines.some((line) => line.variant_id) ? 2 : 1,
      guest_cart_id: data.guestCartId as ReturnType<typeof cartIdOf>,
      lines,
      merged_at: data.now,
    },
  });
  return events;
}

/** Expires only a cart with lines, idle for `idleMs`, and not being checked out right now. */
export function expireCart({ data }: ExpireCart, state: CartState): CartEvent[] {
  if (state.lines.length === 0 || state.cartId === null || state.updatedAt === null) return [];
  if (activeCheckout(state, data.now)) return [];
  if (Date.parse(data.now) - Date.parse(state.updatedAt) < data.idleMs) return [];
  return [
    {
      type: 'CartExpired',
      data: {
        schema_version: withVariant(state),
        cart_id: state.cartId,
        user_id: data.userId,
        idle_since: state.updatedAt,
        items: itemsOf(state),
        expired_at: data.now,
      },
    },
  ];
}

type MergedLine = CartMergedFromGuest['data']['lines'][number];
type MergedSnapshot = Pick<CartLine, 'productName' | 'image' | 'unitPrice' | 'currency' | 'quantity'>;

/**
 * The lines after a guest merge, as the aggregate and the cart read model both fold it: a line of the same
 * id takes the merged quantity and price; a new one is made by `added` (each keeps its own line shape).
 */
export function linesAfterMerge<L extends { cartItemId: string }>(
  lines: readonly L[],
  event: CartMergedFromGuest,
  added: (merged: MergedLine, snapshot: MergedSnapshot) => L,
): L[] {
  let result = [...lines];
  for (const merged of event.data.lines) {
    const snapshot = {
      productName: merged.product_name,
      image: merged.image,
      unitPrice: merged.unit_price,
      currency: merged.currency,
      quantity: merged.line_quantity,
    };
    result = result.some((line) => line.cartItemId === merged.cart_item_id)
      ? result.map((line) => (line.cartItemId === merged.cart_item_id ? { ...line, ...snapshot } : line))
      : [...result, added(merged, snapshot)];
  }
  return result;
}

const mergedLines = (state: CartState, event: CartMergedFromGuest): CartLine[] =>
  linesAfterMerge(state.lines, event, (merged, snapshot) => ({
    cartItemId: merged.cart_item_id,
    productId: merged.product_id as ProductId,
    ...(merged.variant_id
      ? {
          variant: {
            variantId: merged.variant_id,
            sku: merged.sku ?? '',
            options: merged.variant_options ?? {},
          },
        }
      : {}),
    ...snapshot,
    addedAt: event.data.merged_at,
  }));

type LifetimeEvent = CartMergedFromGuest | GuestCartMerged | CartExpired;

/** The cart's fold of the lifetime events (called by cart.ts's evolve with the owner already set). */
export function evolveLifetime(state: CartState, event: LifetimeEvent): CartState {
  switch (event.type) {
    case 'CartMergedFromGuest': {
      const lines = mergedLines(state, event);
      return {
        ...state,
        open: state.open || lines.length > 0,
        lines,
        createdAt: state.createdAt ?? event.data.merged_at,
        updatedAt: event.data.merged_at,
        mergedGuestCarts: [...(state.mergedGuestCarts ?? []), event.data.guest_cart_id],
        expiredAt: null,
      };
    }
    case 'GuestCartMerged':
      return {
        ...state,
        open: false,
        lines: [],
        updatedAt: event.data.merged_at,
        mergedInto: event.data.into_user_id,
        mergedItems: event.data.items.map((i) => ({
          productId: i.product_id,
          ...(i.variant_id ? { variantId: i.variant_id } : {}),
          quantity: i.quantity,
        })),
      };
    case 'CartExpired':
      return {
        ...state,
        open: false,
        lines: [],
        checkout: null,
        updatedAt: event.data.expired_at,
        expiredAt: event.data.expired_at,
      };
  }
}
