import type { z } from 'zod';
import { type CartState, cartDecider, cartStream } from '../../domain/cart/cart.ts';
import {
  activeCheckout,
  assertLinesForSale,
  assertNoOtherCheckout,
  type PriceChange,
  pricesChanged,
} from '../../domain/cart/checkout-rules.ts';
import type { CurrentProducts } from '../../domain/cart/commands.ts';
import type { cartLineRepricedSchema } from '../../domain/cart/events.ts';
import { productDecider, productStream } from '../../domain/catalog/product.ts';
import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import { attemptInProgress } from '../../domain/checkout/order-attempt.ts';
import type { PriceQuote } from '../../domain/pricing/price-calculation.ts';
import type { ProductId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import { listPricesOnly } from '../../infra/pricing/pricing-source.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { engineProducts, type QuantityLine } from './line-prices.ts';

type Deps = Pick<CheckoutDeps, 'handler' | 'clock' | 'rules'>;

/**
 * Each line's product as the catalog has it now (null: never listed), read from its own stream, priced by
 * the engine for the line's quantity and the customer's tier (line-prices.ts): the price to charge now.
 */
export async function currentProducts(
  deps: Deps,
  lines: readonly QuantityLine[],
  userId: UserId,
): Promise<{ products: CurrentProducts; quotes: Record<string, PriceQuote> }> {
  const unique = [...new Set(lines.map((line) => line.productId))];
  const loaded = await Promise.all(
    unique.map((id) => deps.handler.load(productDecider, productStream(id as ProductId))),
  );
  const states = new Map(unique.map((id, i) => [id, loaded[i]!.state]));
  return engineProducts(deps.rules ?? listPricesOnly, { states, lines, userId, now: deps.clock() });
}

/**
 * What the checkout record of the cart's running checkout says: held when every line is reserved and no
 * request is paying an order on it (then a second reservation is BIZ_4011, else BIZ_4010).
 */
export async function runningCheckoutFacts(deps: Deps, cart: CartState, now: string) {
  const running = activeCheckout(cart, now);
  if (!running) return undefined;
  const { state } = await deps.handler.load(checkoutDecider, checkoutStream(running.reservationId));
  return {
    reservationId: running.reservationId,
    state,
    held: state.status === 'reserved' && !attemptInProgress(state.attempt, now),
  };
}

/** Brings the cart's lines to the current prices; 409 BIZ_4005 naming them when any moved. */
export async function repriceOrRefuse(
  deps: Deps,
  userId: UserId,
  products: CurrentProducts,
  metadata: CommandMetadata,
  shown: PriceChange[] = [],
) {
  const { events } = await deps.handler.handle({
    decider: cartDecider,
    stream: cartStream(userId),
    metadata,
    command: { type: 'RepriceCart', data: { userId, products, now: deps.clock().toISOString() } },
  });
  const changes: PriceChange[] = [...shown];
  for (const event of events) {
    if (event.type !== 'CartLineRepriced') continue;
    const data = event.data as z.infer<typeof cartLineRepricedSchema>;
    if (changes.some((c) => c.productId === data.product_id && c.variantId === data.variant_id)) continue;
    changes.push({
      productId: data.product_id,
      ...(data.variant_id ? { variantId: data.variant_id } : {}),
      productName: products[data.product_id]?.name ?? data.product_id,
      old: data.old_unit_price,
      now: data.unit_price,
      currency: data.currency,
    });
  }
  if (changes.length > 0) throw pricesChanged(changes);
}

/**
 * Marks the cart as being checked out under `reservationId` (the cart decides: one checkout at a time,
 * no discontinued line, every line at its current price). Returns the cart as it was checked.
 */
export async function beginCartCheckout(
  deps: Deps,
  input: { userId: UserId; reservationId: ReservationId; expiresAt: string; metadata: CommandMetadata },
): Promise<CartState> {
  const { userId, reservationId, expiresAt, metadata } = input;
  const { state: cart } = await deps.handler.load(cartDecider, cartStream(userId));
  const now = deps.clock().toISOString();
  const facts = await runningCheckoutFacts(deps, cart, now);
  const active = facts ? { reservationId: facts.reservationId, held: facts.held } : undefined;
  // Cheap refusals first, so a duplicate request changes nothing (not even prices).
  assertNoOtherCheckout(cart, {
    userId,
    reservationId,
    expiresAt,
    products: {},
    now,
    ...(active ? { active } : {}),
  });
  const { products } = await currentProducts(deps, cart.lines, userId);
  if (activeCheckout(cart, now)?.reservationId !== reservationId) {
    assertLinesForSale(cart.lines, products);
    await repriceOrRefuse(deps, userId, products, metadata);
  }
  const began = await deps.handler.handle({
    decider: cartDecider,
    stream: cartStream(userId),
    metadata,
    command: {
      type: 'BeginCheckout',
      data: { userId, reservationId, expiresAt, products, now, ...(active ? { active } : {}) },
    },
  });
  return began.state;
}

/** The checkout under `reservationId` ended without an order: the cart may check out again. */
export async function endCartCheckout(
  deps: Deps,
  input: { userId: UserId; reservationId: string; reason: 'released' | 'failed' | 'cancelled' },
  metadata: CommandMetadata,
) {
  await deps.handler.handle({
    decider: cartDecider,
    stream: cartStream(input.userId),
    metadata,
    command: { type: 'EndCheckout', data: { ...input, now: deps.clock().toISOString() } },
  });
}
