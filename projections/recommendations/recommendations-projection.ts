import { sql, type Transaction } from 'kysely';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import { itemAddedToCartSchema } from '../../domain/cart/events.ts';
import { productDetailsChangedSchema, productListedSchema } from '../../domain/catalog/events.ts';
import { upcast } from '../../domain/event-catalog.ts';
import { OrderCancelled, OrderConfirmed, OrderPlaced } from '../../domain/ordering/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { recommendationsBatch } from './recommendations-batch.ts';
import { type RecommendationTables, recommendationsDdl } from './recommendations-schema.ts';

type Trx = Transaction<RecommendationTables>;

/**
 * Counters move by +1/−1, so each event must take effect once even when applied again: the guard keeps the
 * last revision applied per stream and answers false for anything at or below it.
 */
async function firstTime(trx: Trx, event: RecordedEvent) {
  const revision = event.revision.toString();
  const row = await trx
    .insertInto('stream_guard')
    .values({ stream_name: event.streamName, revision })
    .onConflict((oc) =>
      oc.column('stream_name').doUpdateSet({ revision }).where('stream_guard.revision', '<', revision),
    )
    .returning('stream_name')
    .executeTakeFirst();
  return row !== undefined;
}

async function setCategory(trx: Trx, productId: string, category: string) {
  await trx
    .insertInto('product_stats')
    .values({ product_id: productId, category, cart_adds: 0, purchases: 0 })
    .onConflict((oc) => oc.column('product_id').doUpdateSet({ category }))
    .execute();
}

/** A confirmed order (delta 1) or the cancellation of one (delta −1): purchases, pairs, the buyer's tastes. */
async function countPurchase(trx: Trx, orderId: string, delta: 1 | -1) {
  const order = await trx
    .selectFrom('order_products')
    .selectAll()
    .where('order_id', '=', orderId)
    .forUpdate()
    .executeTakeFirst();
  // Confirmed at most once, and only a confirmed order is uncounted by its cancellation.
  if (!order || order.confirmed === (delta === 1)) return;
  await trx
    .updateTable('order_products')
    .set({ confirmed: delta === 1 })
    .where('order_id', '=', orderId)
    .execute();
  const products = [...new Set(order.product_ids)].sort();
  const change = sql<number>`${sql.raw(String(delta))}`;
  await trx
    .insertInto('product_stats')
    .values(
      products.map((product_id) => ({
        product_id,
        category: null,
        cart_adds: 0,
        purchases: Math.max(delta, 0),
      })),
    )
    .onConflict((oc) =>
      oc.column('product_id').doUpdateSet({ purchases: sql`product_stats.purchases + ${change}` }),
    )
    .execute();
  await trx
    .insertInto('user_products')
    .values(products.map((product_id) => ({ user_id: order.user_id, product_id, purchases: delta })))
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'product_id'])
        .doUpdateSet({ purchases: sql`user_products.purchases + ${change}` }),
    )
    .execute();
  const categories = await trx
    .selectFrom('product_stats')
    .select('category')
    .distinct()
    .where('product_id', 'in', products)
    .where('category', 'is not', null)
    .execute();
  if (categories.length > 0)
    await trx
      .insertInto('user_categories')
      .values(categories.map((c) => ({ user_id: order.user_id, category: c.category!, purchases: delta })))
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'category'])
          .doUpdateSet({ purchases: sql`user_categories.purchases + ${change}` }),
      )
      .execute();
  const pairs = products.flatMap((a) => products.filter((b) => b !== a).map((b) => ({ a, b })));
  if (pairs.length > 0)
    await trx
      .insertInto('product_pairs')
      .values(pairs.map(({ a, b }) => ({ product_id: a, other_id: b, orders: delta })))
      .onConflict((oc) =>
        oc.columns(['product_id', 'other_id']).doUpdateSet({ orders: sql`product_pairs.orders + ${change}` }),
      )
      .execute();
  if (delta === -1) {
    await trx.deleteFrom('product_pairs').where('orders', '<=', 0).execute();
    await trx.deleteFrom('user_categories').where('purchases', '<=', 0).execute();
    await trx.deleteFrom('user_products').where('purchases', '<=', 0).execute();
  }
}

async function apply(event: RecordedEvent, trx: Trx) {
  if (!(await firstTime(trx, event))) return;
  switch (event.type) {
    case 'ProductListed': {
      const data = productListedSchema.parse(event.data);
      return setCategory(trx, data.product_id, data.category);
    }
    case 'ProductDetailsChanged': {
      const data = productDetailsChangedSchema.parse(event.data);
      if (data.changes.category !== undefined) await setCategory(trx, data.product_id, data.changes.category);
      return;
    }
    case 'ItemAddedToCart': {
      const data = itemAddedToCartSchema.parse(event.data);
      await trx
        .insertInto('product_stats')
        .values({ product_id: data.product_id, category: null, cart_adds: 1, purchases: 0 })
        .onConflict((oc) =>
          oc.column('product_id').doUpdateSet({ cart_adds: sql`product_stats.cart_adds + 1` }),
        )
        .execute();
      return;
    }
    case 'OrderPlaced': {
      const data = OrderPlaced.parse(upcast(event.type, event.data));
      await trx
        .insertInto('order_products')
        .values({
          order_id: data.order_id,
          user_id: data.user_id,
          product_ids: data.items.map((item) => item.product_id),
          confirmed: false,
        })
        .onConflict((oc) => oc.column('order_id').doNothing())
        .execute();
      return;
    }
    case 'OrderConfirmed':
      return countPurchase(trx, OrderConfirmed.parse(event.data).order_id, 1);
    case 'OrderCancelled':
      return countPurchase(trx, OrderCancelled.parse(event.data).order_id, -1);
  }
}

/**
 * Recommendations: popularity per product (cart adds and purchases, weighted), co-purchases in confirmed
 * orders (frequently bought together) and each buyer's categories (personalized).
 */
export const recommendationsProjection: PgProjection = {
  kind: 'postgres',
  name: 'recommendations',
  eventTypes: [
    'ProductListed',
    'ProductDetailsChanged',
    'ItemAddedToCart',
    'OrderPlaced',
    'OrderConfirmed',
    'OrderCancelled',
  ],
  ddl: recommendationsDdl,
  apply: (event, trx) => apply(event, trx as unknown as Trx),
  applyBatch: recommendationsBatch,
};
