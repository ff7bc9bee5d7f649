import type { Command } from '../shared/decider.ts';
import type { ProductId, ReservationId, VariantId } from '../shared/ids.ts';

/** Receiving is bounded so a typo (an extra zero or three) cannot flood the catalogue (API.md: 1..1,000,000). */
export const MAX_RECEIVE_QUANTITY = 1_000_000;
/** A manual correction moves stock by at most this much either way. */
export const MAX_ADJUST_QUANTITY = 1_000_000;
export const MAX_REASON_LENGTH = 500;

/** Goods arrived: on hand grows. */
export type ReceiveStock = Command<
  'ReceiveStock',
  { productId: ProductId; variantId?: VariantId; quantity: number }
>;

/** A manual correction (count, breakage, loss), signed; never leaves on hand below what is reserved. */
export type AdjustStock = Command<
  'AdjustStock',
  { productId: ProductId; variantId?: VariantId; quantity: number; reason: string }
>;

/**
 * Hold `quantity` for a checkout until `expiresAt` (ISO). The caller chooses the id and the expiry
 * (now + RESERVATION_TTL_SECONDS); `now` (ISO) only guards against an expiry already in the past.
 */
export type ReserveStock = Command<
  'ReserveStock',
  {
    productId: ProductId;
    variantId?: VariantId;
    reservationId: ReservationId;
    quantity: number;
    expiresAt: string;
    now: string;
  }
>;

/** The customer (or a compensation) gives the held stock back. */
export type ReleaseReservation = Command<
  'ReleaseReservation',
  { productId: ProductId; variantId?: VariantId; reservationId: ReservationId }
>;

/** The reservation's timer fired; `now` (ISO) must be at or after its expiry. */
export type ExpireReservation = Command<
  'ExpireReservation',
  { productId: ProductId; variantId?: VariantId; reservationId: ReservationId; now: string }
>;

/** The order was paid: the held stock leaves on hand for good. */
export type CommitReservation = Command<
  'CommitReservation',
  { productId: ProductId; variantId?: VariantId; reservationId: ReservationId }
>;

/**
 * A paid order was cancelled: the committed stock comes back on hand, once. `quantity` (what the order
 * bought of this item) is used only when the item no longer remembers the commit (reservation-book.ts).
 */
export type ReturnCommittedStock = Command<
  'ReturnCommittedStock',
  { productId: ProductId; variantId?: VariantId; reservationId: ReservationId; quantity?: number }
>;

export type StockCommand =
  | ReceiveStock
  | AdjustStock
  | ReserveStock
  | ReleaseReservation
  | ExpireReservation
  | CommitReservation
  | ReturnCommittedStock;
