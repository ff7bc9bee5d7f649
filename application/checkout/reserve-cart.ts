import {
  type CheckoutState,
  checkoutDecider,
  checkoutStream,
  hasLapsed,
} from '../../domain/checkout/checkout.ts';
import type { CheckoutLine } from '../../domain/checkout/events.ts';
import { DomainError, ErrorCode, type ErrorDetail, notFound } from '../../domain/shared/errors.ts';
import type { ProductId, ReservationId, UserId, VariantId } from '../../domain/shared/ids.ts';
import { byItemKey, itemKey } from '../../domain/shared/line-key.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { beginCartCheckout, endCartCheckout } from './cart-checkout.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { type CheckoutRecorder, checkoutRecorder } from './checkout-record.ts';
import { hasCode, step } from './workflow-deps.ts';

export type Reservation = {
  reservationId: ReservationId;
  items: CheckoutLine[];
  expiresAt: string;
  /** Where its last event stands (the client's consistency token). */
  position?: Position;
};
type Short = { productId: ProductId; key: string; requested: number; available: number };

/** A line's stock item: the product's, or its variant's (stream `stock-<product_id>~<variant_id>`). */
const stockItem = (line: { product_id: string; variant_id?: string | undefined }) => ({
  productId: line.product_id as ProductId,
  ...(line.variant_id ? { variantId: line.variant_id as VariantId } : {}),
});

/**
 * ReserveStock for a whole cart, all or nothing, under one reservation id. The cart first marks itself as
 * being checked out (one checkout per cart: BIZ_4010 / BIZ_4011; discontinued lines BIZ_4006; moved prices
 * BIZ_4005, the cart repriced). The checkout record is written next (who, which lines, until when), then
 * each line is reserved on its stock item in product-id order
 * (every checkout takes the streams in the same order, so two never hold what the other waits for). When a
 * line is short, the lines already held are released again and the short lines are named (409 BIZ_4001).
 * A crash half-way leaves held lines that simply lapse at `expiresAt`.
 */
export async function reserveCart(
  deps: CheckoutDeps,
  userId: UserId,
  metadata: CommandMetadata,
  options: { reservationId?: ReservationId } = {},
): Promise<Reservation> {
  const { clock } = deps;
  const reservationId = options.reservationId ?? (deps.ids('reservation') as ReservationId);
  if (options.reservationId) {
    // A keyed retry: the checkout it started before a crash, resumed where it stopped.
    const prior = await deps.handler.load(checkoutDecider, checkoutStream(reservationId));
    if (prior.state.status !== 'none') return resume(deps, userId, reservationId, prior, metadata);
  }
  const started = clock();
  const now = started.toISOString();
  const expiresAt = new Date(started.getTime() + deps.reservationTtlSeconds * 1000).toISOString();
  const cart = await beginCartCheckout(deps, { userId, reservationId, expiresAt, metadata });
  const items: CheckoutLine[] = cart.lines
    .map((line) => ({
      product_id: line.productId,
      product_name: line.productName,
      unit_price: line.unitPrice,
      currency: line.currency,
      quantity: line.quantity,
      ...(line.variant ? { variant_id: line.variant.variantId as VariantId, sku: line.variant.sku } : {}),
    }))
    .sort(byItemKey);

  const record = checkoutRecorder(deps.store, deps.handler, reservationId, metadata, clock);
  await record({ type: 'StartCheckout', data: { reservationId, userId, items, expiresAt, now } });
  await step(deps, 'checkout-started', reservationId);
  return holdLines(deps, { userId, reservationId, items, expiresAt }, record, metadata);
}

async function resume(
  deps: CheckoutDeps,
  userId: UserId,
  reservationId: ReservationId,
  prior: { state: CheckoutState; revision: bigint | undefined },
  metadata: CommandMetadata,
): Promise<Reservation> {
  const { state } = prior;
  if (state.userId !== userId) throw notFound('Reservation', reservationId);
  const items = state.items;
  const expiresAt = state.expiresAt!;
  if (state.status === 'reserved' || state.status === 'completed') return { reservationId, items, expiresAt };
  if (state.status !== 'started' || hasLapsed(state, deps.clock().toISOString()))
    throw new DomainError(ErrorCode.ReservationExpired, `Reservation ${reservationId} has ended`);
  const record = checkoutRecorder(deps.store, deps.handler, reservationId, metadata, deps.clock, prior);
  return holdLines(deps, { userId, reservationId, items, expiresAt }, record, metadata);
}

/**
 * Reserves each line on its stock item in product-id order; a short line releases what was held, frees
 * the cart and names every short line (409 BIZ_4001).
 */
async function holdLines(
  deps: CheckoutDeps,
  checkout: { userId: UserId; reservationId: ReservationId; items: CheckoutLine[]; expiresAt: string },
  record: CheckoutRecorder,
  metadata: CommandMetadata,
): Promise<Reservation> {
  const { clock } = deps;
  const { userId, reservationId, items, expiresAt } = checkout;
  const now = clock().toISOString();
  const held: CheckoutLine[] = [];
  let short: Short | undefined;
  for (const item of items) {
    const key = itemKey(item);
    try {
      await deps.stock.execute(
        {
          type: 'ReserveStock',
          data: { ...stockItem(item), reservationId, quantity: item.quantity, expiresAt, now },
        },
        metadata,
        `reserve:${reservationId}:${key}`,
      );
    } catch (error) {
      if (!hasCode(error, ErrorCode.InsufficientStock)) {
        await releaseLines(deps, reservationId, held, metadata);
        await endCartCheckout(deps, { userId, reservationId, reason: 'failed' }, metadata);
        throw error;
      }
      short = {
        productId: item.product_id as ProductId,
        key,
        requested: item.quantity,
        available: await availableNow(deps, item),
      };
      break;
    }
    held.push(item);
    await step(deps, 'line-reserved', reservationId);
  }

  if (short) {
    await releaseLines(deps, reservationId, held, metadata);
    // Name every short line, not only the first one met: the rest are checked without reserving.
    const rest = items.slice(held.length + 1);
    const shorts = [short];
    for (const item of rest) {
      const free = await availableNow(deps, item);
      if (free < item.quantity)
        shorts.push({
          productId: item.product_id as ProductId,
          key: itemKey(item),
          requested: item.quantity,
          available: free,
        });
    }
    await record({
      type: 'MarkReservationFailed',
      data: {
        reservationId,
        short: shorts.map(({ key: _key, ...short }) => short),
        now: clock().toISOString(),
      },
    });
    await endCartCheckout(deps, { userId, reservationId, reason: 'failed' }, metadata);
    throw insufficient(shorts);
  }

  const marked = await record({
    type: 'MarkCheckoutReserved',
    data: { reservationId, now: clock().toISOString() },
  });
  return { reservationId, items, expiresAt, ...(marked ? { position: marked.position } : {}) };
}

/** Gives back the lines of a reservation (compensation, or the customer's DELETE), in product-id order. */
export async function releaseLines(
  deps: CheckoutDeps,
  reservationId: ReservationId,
  lines: readonly { product_id: string; variant_id?: string | undefined }[],
  metadata: CommandMetadata,
) {
  for (const line of [...lines].sort(byItemKey)) {
    try {
      await deps.stock.execute(
        { type: 'ReleaseReservation', data: { ...stockItem(line), reservationId } },
        metadata,
        `release:${reservationId}:${itemKey(line)}`,
      );
    } catch (error) {
      // A line that a crash kept from being reserved has nothing to give back.
      if (!hasCode(error, ErrorCode.NotFound)) throw error;
    }
  }
}

const availableNow = (deps: CheckoutDeps, line: CheckoutLine) => {
  const { productId, variantId } = stockItem(line);
  return deps.stock.available(productId, variantId);
};

function insufficient(shorts: Short[]) {
  const details: ErrorDetail[] = shorts.map((s) => ({
    field: `items.${s.key}.quantity`,
    message: `requested ${s.requested}, only ${s.available} available`,
  }));
  return new DomainError(
    ErrorCode.InsufficientStock,
    `Insufficient stock for ${shorts.map((s) => s.key).join(', ')}`,
    details,
  );
}
