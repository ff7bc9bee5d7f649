import { DomainError, ErrorCode, invalid } from '../shared/errors.ts';
import type { ProductId, ReservationId } from '../shared/ids.ts';
import { instantMs } from '../shared/time.ts';
import {
  type AdjustStock,
  MAX_ADJUST_QUANTITY,
  MAX_REASON_LENGTH,
  MAX_RECEIVE_QUANTITY,
  type ReceiveStock,
  type ReserveStock,
} from './commands.ts';

/** API.md: 409 BIZ_4001 with `only N available` on the quantity. */
export const insufficientStock = (productId: ProductId, availableNow: number) =>
  new DomainError(ErrorCode.InsufficientStock, `Insufficient stock for ${productId}`, [
    { field: 'quantity', message: `only ${availableNow} available` },
  ]);

/** A reservation that has ended cannot be used again (API.md: 410 BIZ_4007). */
export const reservationEnded = (id: ReservationId, status: string) =>
  new DomainError(ErrorCode.ReservationExpired, `Reservation ${id} has ended (${status})`);

const invalidQuantity = (message: string) =>
  new DomainError(ErrorCode.InvalidQuantity, `Invalid quantity: ${message}`, [
    { field: 'quantity', message },
  ]);

export function checkReceive({ data: { quantity } }: ReceiveStock) {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_RECEIVE_QUANTITY)
    throw invalidQuantity(`must be a whole number from 1 to ${MAX_RECEIVE_QUANTITY}`);
}

/** Returns the trimmed reason. */
export function checkAdjust({ data: { quantity, reason } }: AdjustStock): string {
  if (!Number.isInteger(quantity) || quantity === 0 || Math.abs(quantity) > MAX_ADJUST_QUANTITY)
    throw invalidQuantity(`must be a non-zero whole number within ±${MAX_ADJUST_QUANTITY}`);
  const trimmed = reason.trim();
  if (trimmed === '')
    throw new DomainError(ErrorCode.RequiredFieldMissing, 'A reason is required', [
      { field: 'reason', message: 'required' },
    ]);
  if (trimmed.length > MAX_REASON_LENGTH) throw invalid('reason', `at most ${MAX_REASON_LENGTH} characters`);
  return trimmed;
}

export function checkReserve({ data: { quantity, expiresAt, now } }: ReserveStock) {
  if (!Number.isInteger(quantity) || quantity < 1)
    throw invalidQuantity('must be a whole number of at least 1');
  if (instantMs(expiresAt, 'expires_at') <= instantMs(now, 'now'))
    throw invalid('expires_at', 'must be after now');
}

/** The quantity a return of a forgotten commit names (stock.ts, ReturnCommittedStock). */
export function checkReturnQuantity(quantity: number) {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_RECEIVE_QUANTITY)
    throw invalidQuantity(`must be a whole number from 1 to ${MAX_RECEIVE_QUANTITY}`);
}

/** Early expiry is refused, not ignored (see stock.ts). */
export function checkDue(id: ReservationId, expiresAt: string, now: string) {
  if (instantMs(now, 'now') < instantMs(expiresAt, 'expires_at'))
    throw new DomainError(
      ErrorCode.IllegalStateTransition,
      `Cannot expire reservation ${id} before ${expiresAt}`,
    );
}
