import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { cartStream, evolve as evolveCart, initialState as initialCart } from '../domain/cart/cart.ts';
import type { CartEvent } from '../domain/cart/events.ts';
import { userStreamName } from '../domain/identity/events.ts';
import { user } from '../domain/identity/user.ts';
import type { OrderEvent } from '../domain/ordering/events.ts';
import {
  evolve as evolveOrder,
  initialState as initialOrder,
  type OrderState,
} from '../domain/ordering/order.ts';
import type { ReviewEvent } from '../domain/reviews/events.ts';
import { type ReviewState, reviewDecider } from '../domain/reviews/review.ts';
import type { UserId } from '../domain/shared/ids.ts';
import { StreamNotFound } from '../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../infra/eventstore/port.ts';
import { presentOrder } from '../infra/http/order-body.ts';

const readOwn = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  try {
    return await store.readStream(stream);
  } catch (error) {
    if (error instanceof StreamNotFound) return [];
    throw error;
  }
};

const eventView = (e: RecordedEvent) => ({
  stream: e.streamName,
  revision: e.revision.toString(),
  type: e.type,
  recorded_at: e.recordedAt.toISOString(),
  data: e.data,
});

/**
 * Everything held about a person (GET /users/me/data): their profile, the addresses they used, their
 * orders, their reviews, their cart and every event of their own streams, decrypted by the store. Orders are found in
 * the orders read model and read from their streams. The credentials stream is left out: a password
 * hash is a secret, not data about the person anyone could use.
 */
export async function exportPersonalData(
  deps: {
    store: EventStore;
    db: ReadModelDb;
    ordersSchema: string | undefined;
    catalogSchema?: string | undefined;
  },
  userId: string,
  now: Date,
) {
  const userEvents = await readOwn(deps.store, userStreamName(userId));
  const profile = userEvents.reduce(
    (state, e) => user.evolve(state, e as unknown as Parameters<typeof user.evolve>[1]),
    user.initialState(),
  );
  const cartEvents = await readOwn(deps.store, cartStream(userId as UserId));
  const cart = cartEvents.reduce((s, e) => evolveCart(s, e as unknown as CartEvent), initialCart());
  const orderIds = deps.ordersSchema
    ? (
        await sql<{ order_id: string }>`SELECT order_id FROM ${sql.id(deps.ordersSchema, 'orders')}
          WHERE user_id = ${userId} ORDER BY created_at`.execute(deps.db)
      ).rows.map((r) => r.order_id)
    : [];
  const orderEvents: RecordedEvent[] = [];
  const orders = [];
  for (const orderId of orderIds) {
    const events = await readOwn(deps.store, `order-${orderId}`);
    orderEvents.push(...events);
    const state = events.reduce(
      (s: OrderState, e) => evolveOrder(s, e as unknown as OrderEvent),
      initialOrder(),
    );
    if (state.placed) orders.push(presentOrder(state, (events.at(-1)?.recordedAt ?? now).toISOString()));
  }
  const reviewRows = deps.catalogSchema
    ? (
        await sql<{ review_id: string }>`SELECT review_id FROM ${sql.id(deps.catalogSchema, 'reviews')}
          WHERE user_id = ${userId} ORDER BY created_at`.execute(deps.db)
      ).rows
    : [];
  const reviewEvents: RecordedEvent[] = [];
  const reviews = [];
  for (const { review_id } of reviewRows) {
    const events = await readOwn(deps.store, `review-${review_id}`);
    reviewEvents.push(...events);
    const state = events.reduce(
      (s: ReviewState, e) => reviewDecider.evolve(s, e as unknown as ReviewEvent),
      reviewDecider.initialState(),
    );
    const submitted = events.findLast((e) => e.type === 'ReviewSubmitted')?.data;
    if (state.status === 'published' || state.status === 'hidden')
      reviews.push({
        review_id,
        product_id: state.productId,
        author_name: (submitted?.author_name as string | null | undefined) ?? null,
        rating: state.rating,
        title: state.title,
        body: state.body,
        status: state.status,
        created_at: state.createdAt,
        updated_at: state.updatedAt,
      });
  }
  const addresses = new Map<string, unknown>();
  for (const order of orders)
    for (const address of [order.shipping_address, order.billing_address])
      addresses.set(JSON.stringify(address), address);
  return {
    user_id: userId,
    exported_at: now.toISOString(),
    profile:
      profile.status === 'registered'
        ? {
            email: profile.email,
            first_name: profile.firstName,
            last_name: profile.lastName,
            phone: profile.phone,
            role: profile.role,
            created_at: profile.registeredAt,
          }
        : { status: profile.status },
    addresses: [...addresses.values()],
    orders,
    cart: { items: cart.lines },
    reviews,
    consents: [],
    events: [...userEvents, ...cartEvents, ...orderEvents, ...reviewEvents].map(eventView),
  };
}
