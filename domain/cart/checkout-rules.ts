import { DomainError, ErrorCode, type ErrorDetail } from '../shared/errors.ts';
import { itemKey, notForSale } from '../shared/line-key.ts';
import { toMajorUnits } from '../shared/money.ts';
import {
  type CartCheckout,
  type CartLine,
  type CartState,
  lineKey,
  variantFieldsOf,
  versionFor,
} from './cart-state.ts';
import type { BeginCheckout, CurrentProducts, EndCheckout, RepriceCart } from './commands.ts';
import type { CartEvent } from './events.ts';

/**
 * One checkout per cart at a time, decided by the cart itself: `CartCheckoutBegan` marks the cart as
 * being checked out under one reservation until that checkout ends (`CartCheckoutEnded`: released,
 * failed, its order cancelled), lapses (its `expires_at`) or the cart is checked out (`CartCheckedOut`).
 * The cart stream is appended at the revision read, so of concurrent checkouts exactly one begins; the
 * others, decided again on the fresh state, are refused.
 */
export type { CartCheckout };

/**
 * How long after its cart was checked out a request may have arrived and still have run beside that
 * checkout: the checkout's own tail (it completes and answers after CartCheckedOut) and two processes'
 * clocks. Only an empty cart is answered this way, so a new order (a cart with lines) never is.
 */
export const CONCURRENT_CHECKOUT_MS = 5_000;

/** The running checkout of the cart, if one has begun and neither ended nor lapsed. */
export const activeCheckout = (state: CartState, now: string): CartCheckout | null =>
  state.checkout && Date.parse(now) < Date.parse(state.checkout.expiresAt) ? state.checkout : null;

/**
 * The order an empty cart was checked out as, for a submission that arrived while that checkout ran (a
 * double submission: the same order, as API.md asks of concurrent ones), or null. A submission that
 * arrived after the cart was checked out finds an empty cart: BIZ_4003.
 */
export function recentOrder(state: CartState, arrivedAt: string): string | null {
  if (state.lines.length > 0 || !state.lastOrder) return null;
  const late = Date.parse(arrivedAt) - Date.parse(state.lastOrder.at);
  return late <= CONCURRENT_CHECKOUT_MS ? state.lastOrder.orderId : null;
}

/**
 * Refuses a checkout other than `reservationId` while one runs: 409 BIZ_4011 when the running one is a
 * held reservation (one active reservation per cart), else 409 BIZ_4010 (it is being reserved or paid).
 */
export function assertNoOtherCheckout(state: CartState, command: BeginCheckout['data']) {
  const running = activeCheckout(state, command.now);
  if (!running || running.reservationId === command.reservationId) return;
  const held = command.active?.reservationId === running.reservationId && command.active.held;
  if (held)
    throw new DomainError(
      ErrorCode.ReservationLimit,
      `The cart already holds reservation ${running.reservationId} (one active reservation per cart)`,
    );
  throw new DomainError(
    ErrorCode.CheckoutInProgress,
    `A checkout of this cart is already in progress (reservation ${running.reservationId})`,
  );
}

/**
 * The lines of a cart being checked out are the lines its reservation holds and its order will charge:
 * changing them meanwhile is 409 BIZ_4010, naming the reservation to release (DELETE
 * /checkout/reservations/{id}) or to order first. Otherwise the order would charge lines the cart no
 * longer shows, or none the shopper added; a checkout that lapses unlocks the cart by itself.
 */
export function assertNotCheckingOut(state: CartState, now: string) {
  const running = activeCheckout(state, now);
  if (!running) return;
  throw new DomainError(
    ErrorCode.CheckoutInProgress,
    `The cart is being checked out under reservation ${running.reservationId}; release it or place the order before changing the cart`,
    [{ field: 'reservation_id', message: running.reservationId }],
  );
}

const priceText = (minor: number, currency: string) => `${toMajorUnits(minor).toFixed(2)} ${currency}`;

/** 409 BIZ_4006 naming each line whose product is discontinued (or no longer listed), or variant retired. */
export function assertLinesForSale(lines: readonly CartLine[], products: CurrentProducts) {
  const gone = lines.filter((line) => {
    const product = products[lineKey(line)];
    return !product || product.discontinued;
  });
  if (gone.length === 0) return;
  const details: ErrorDetail[] = gone.map((line) =>
    notForSale(lineKey(line), line.productName, line.variant?.sku),
  );
  throw new DomainError(
    ErrorCode.IllegalStateTransition,
    `Cannot check out: ${gone.map(lineKey).join(', ')} no longer for sale`,
    details,
  );
}

export type PriceChange = {
  productId: string;
  /** The variant line's variant (absent: the product itself). */
  variantId?: string;
  productName: string;
  old: number;
  now: number;
  currency: string;
};

/** 409 BIZ_4005 naming each line with its old and new price. */
export function pricesChanged(changes: readonly PriceChange[]) {
  return new DomainError(
    ErrorCode.PriceChanged,
    `Price changed for ${changes.map((c) => c.productId).join(', ')}`,
    changes.map((c) => ({
      field: `items.${itemKey({ product_id: c.productId, variant_id: c.variantId })}.unit_price`,
      message: `${c.productName}: price changed from ${priceText(c.old, c.currency)} to ${priceText(c.now, c.currency)}`,
    })),
  );
}

/** The lines whose product's current price differs from the line's (discontinued ones are left out). */
export function linePriceChanges(lines: readonly CartLine[], products: CurrentProducts): PriceChange[] {
  return lines.flatMap((line) => {
    const product = products[lineKey(line)];
    if (!product || product.discontinued || product.price === line.unitPrice) return [];
    return [
      {
        productId: line.productId,
        ...(line.variant ? { variantId: line.variant.variantId } : {}),
        productName: line.productName,
        old: line.unitPrice,
        now: product.price,
        currency: product.currency,
      },
    ];
  });
}

export function beginCheckout({ data }: BeginCheckout, state: CartState): CartEvent[] {
  const running = activeCheckout(state, data.now);
  if (running?.reservationId === data.reservationId) return []; // the same checkout again (a retry)
  if (state.lines.length === 0 || state.cartId === null)
    throw new DomainError(ErrorCode.CartEmpty, 'Cart is empty');
  assertNoOtherCheckout(state, data);
  assertLinesForSale(state.lines, data.products);
  const changes = linePriceChanges(state.lines, data.products);
  if (changes.length > 0) throw pricesChanged(changes);
  return [
    {
      type: 'CartCheckoutBegan',
      data: {
        schema_version: 1,
        cart_id: state.cartId,
        user_id: data.userId,
        reservation_id: data.reservationId,
        expires_at: data.expiresAt,
        began_at: data.now,
      },
    },
  ];
}

export function endCheckout({ data }: EndCheckout, state: CartState): CartEvent[] {
  if (state.checkout?.reservationId !== data.reservationId || state.cartId === null) return [];
  return [
    {
      type: 'CartCheckoutEnded',
      data: {
        schema_version: 1,
        cart_id: state.cartId,
        user_id: data.userId,
        reservation_id: data.reservationId as never,
        reason: data.reason,
        ended_at: data.now,
      },
    },
  ];
}

export function repriceCart({ data }: RepriceCart, state: CartState): CartEvent[] {
  const cartId = state.cartId;
  if (cartId === null) return [];
  // Each line is matched by its own key: two variant lines of one product are repriced each on its own.
  return state.lines.flatMap((line) => {
    const [change] = linePriceChanges([line], data.products);
    if (!change) return [];
    return {
      type: 'CartLineRepriced' as const,
      data: {
        schema_version: versionFor([line]),
        cart_id: cartId,
        user_id: data.userId,
        cart_item_id: line.cartItemId,
        product_id: line.productId,
        ...variantFieldsOf(line),
        old_unit_price: change.old,
        unit_price: change.now,
        currency: change.currency,
        repriced_at: data.now,
      },
    };
  });
}
