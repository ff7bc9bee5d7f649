import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CheckoutLine } from '../../domain/checkout/events.ts';
import { DomainError, ErrorCode, type ErrorDetail } from '../../domain/shared/errors.ts';
import type { ProductId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import type { CommandMetadata } from '../../infra/commands/metadata.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { hasCode, step } from '../../process-manager/checkout/workflow-deps.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { freshCheckoutRecord } from './checkout-record.ts';

export type Reservation = {
  reservationId: ReservationId;
  items: CheckoutLine[];
  expiresAt: string;
  /** Where its last event stands (the client's consistency token). */
  position?: Position;
};
type Short = { productId: ProductId; requested: number; available: number };

const byProduct = (a: { product_id: string }, b: { product_id: string }) =>
  a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0;

/**
 * ReserveStock for a whole cart, all or nothing, under one reservation id. The checkout record is written
 * first (who, which lines, until when), then each line is reserved on its stock item in product-id order
 * (every checkout takes the streams in the same order, so two never hold what the other waits for). When a
 * line is short, the lines already held are released again and the short lines are named (409 BIZ_4001).
 * A crash half-way leaves held lines that simply lapse at `expiresAt`.
 */
export async function reserveCart(
  deps: CheckoutDeps,
  userId: UserId,
  metadata: CommandMetadata,
): Promise<Reservation> {
  const { handler, clock } = deps;
  const { state: cart } = await handler.load(cartDecider, cartStream(userId));
  if (cart.lines.length === 0) throw new DomainError(ErrorCode.CartEmpty, 'Cart is empty');
  const started = clock();
  const now = started.toISOString();
  const expiresAt = new Date(started.getTime() + deps.reservationTtlSeconds * 1000).toISOString();
  const reservationId = deps.ids('reservation') as ReservationId;
  const items: CheckoutLine[] = cart.lines
    .map((line) => ({
      product_id: line.productId,
      product_name: line.productName,
      unit_price: line.unitPrice,
      currency: line.currency,
      quantity: line.quantity,
    }))
    .sort(byProduct);

  const record = freshCheckoutRecord(deps.store, reservationId, metadata, clock);
  await record({ type: 'StartCheckout', data: { reservationId, userId, items, expiresAt, now } });
  await step(deps, 'checkout-started', reservationId);

  const held: CheckoutLine[] = [];
  let short: Short | undefined;
  for (const item of items) {
    const productId = item.product_id as ProductId;
    try {
      await deps.stock.execute(
        { type: 'ReserveStock', data: { productId, reservationId, quantity: item.quantity, expiresAt, now } },
        metadata,
        `reserve:${reservationId}:${productId}`,
      );
    } catch (error) {
      if (!hasCode(error, ErrorCode.InsufficientStock)) {
        await releaseLines(deps, reservationId, held, metadata);
        throw error;
      }
      short = { productId, requested: item.quantity, available: await availableNow(deps, productId) };
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
      const free = await availableNow(deps, item.product_id as ProductId);
      if (free < item.quantity)
        shorts.push({ productId: item.product_id as ProductId, requested: item.quantity, available: free });
    }
    await record({
      type: 'MarkReservationFailed',
      data: { reservationId, short: shorts, now: clock().toISOString() },
    });
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
  lines: readonly { product_id: string }[],
  metadata: CommandMetadata,
) {
  for (const line of [...lines].sort(byProduct)) {
    const productId = line.product_id as ProductId;
    try {
      await deps.stock.execute(
        { type: 'ReleaseReservation', data: { productId, reservationId } },
        metadata,
        `release:${reservationId}:${productId}`,
      );
    } catch (error) {
      // A line that a crash kept from being reserved has nothing to give back.
      if (!hasCode(error, ErrorCode.NotFound)) throw error;
    }
  }
}

const availableNow = (deps: CheckoutDeps, productId: ProductId) => deps.stock.available(productId);

function insufficient(shorts: Short[]) {
  const details: ErrorDetail[] = shorts.map((s) => ({
    field: `items.${s.productId}.quantity`,
    message: `requested ${s.requested}, only ${s.available} available`,
  }));
  return new DomainError(
    ErrorCode.InsufficientStock,
    `Insufficient stock for ${shorts.map((s) => s.productId).join(', ')}`,
    details,
  );
}
