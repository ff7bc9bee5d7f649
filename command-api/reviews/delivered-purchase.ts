import { createHash } from 'node:crypto';
import type { CommandHandler } from '../../application/commands/command-handler.ts';
import { cartStream } from '../../domain/cart/cart.ts';
import { userStreamName } from '../../domain/identity/events.ts';
import { user } from '../../domain/identity/user.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { reviewAuthorName } from '../../domain/reviews/review.ts';
import type { OrderId, ProductId, UserId } from '../../domain/shared/ids.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { PersonalData } from '../../infra/privacy/personal-data.ts';

/**
 * A review's id, derived from (product, customer): one stream per pair, so a second review meets the
 * first. Keyed (PersonalData.fingerprint), so that whoever holds a user id (Kafka, logs) cannot compute
 * which review, and so which shown name, is that person's.
 */
export function reviewIdFor(personalData: PersonalData, productId: ProductId, userId: UserId): string {
  const digest = personalData.fingerprint('review-id', `${productId}|${userId}`);
  return `rev_${Buffer.from(digest, 'hex').toString('base64url').slice(0, 22)}`;
}

/** The id a review of (product, customer) had before wave 20: an unkeyed SHA-256. */
export function legacyReviewIdFor(productId: ProductId, userId: UserId): string {
  const digest = createHash('sha256').update(`${productId}|${userId}`).digest('base64url');
  return `rev_${digest.slice(0, 22)}`;
}

/**
 * Whether the customer has a delivered order holding the product, read from the event store: the
 * customer's cart stream names each order it checked out (CartCheckedOut, with its lines), and each such
 * order's own stream says whether it was delivered. Never stale: what was just delivered counts at once,
 * and `delivered` is terminal, so a yes cannot be taken back.
 */
export async function hasDeliveredPurchase(
  store: EventStore,
  handler: CommandHandler,
  userId: UserId,
  productId: ProductId,
): Promise<boolean> {
  const orders: string[] = [];
  try {
    for (let from = 0n; ; ) {
      const page = await store.readStream(cartStream(userId), { fromRevision: from, maxCount: 500 });
      for (const event of page) {
        if (event.type !== 'CartCheckedOut') continue;
        const data = event.data as { order_id?: unknown; items?: { product_id?: unknown }[] };
        if (typeof data.order_id === 'string' && data.items?.some((i) => i.product_id === productId))
          orders.push(data.order_id);
      }
      if (page.length < 500) break;
      from = page[page.length - 1]!.revision + 1n;
    }
  } catch (error) {
    if (error instanceof StreamNotFound) return false;
    throw error;
  }
  for (const orderId of orders.reverse()) {
    const { state } = await handler.load(orderDecider, orderStream(orderId as OrderId));
    if (state.status === 'delivered') return true;
  }
  return false;
}

/** The name a new review shows, from the author's own stream (decrypted at the store's edge); null if none. */
export async function authorNameOf(handler: CommandHandler, userId: UserId): Promise<string | null> {
  const { state } = await handler.load(user, userStreamName(userId));
  return state.status === 'registered' ? reviewAuthorName(state.firstName, state.lastName) : null;
}
