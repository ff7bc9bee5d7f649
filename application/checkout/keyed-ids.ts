import { createHash } from 'node:crypto';
import { makeId, type OrderId, type ReservationId, type UserId } from '../../domain/shared/ids.ts';

/**
 * The reservation and order ids of a request with an Idempotency-Key, derived from (caller, purpose,
 * key): a retry after a failure the client could not see (a timeout, a crash of the server) names the
 * same checkout and the same order, so it resumes them instead of starting another, and the customer
 * gets the order that was placed. Without a key every request draws fresh ids.
 */
export function keyedIds(userId: UserId, purpose: 'orders' | 'reservations', key: string) {
  const digest = createHash('sha256')
    .update(`${userId}\n${purpose}\n${key}`)
    .digest('base64url')
    .slice(0, 32);
  return {
    reservationId: makeId('reservation', `k${digest}`) as ReservationId,
    orderId: makeId('order', `k${digest}`) as OrderId,
  };
}

export type KeyedIds = ReturnType<typeof keyedIds>;
