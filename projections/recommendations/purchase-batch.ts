import { sql } from 'kysely';
import type { ReadModelTrx } from '../../application/projection-runner/types.ts';
import { OrderCancelled, OrderConfirmed } from '../../domain/ordering/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { foldStreamGuards } from './stream-guards.ts';

/** The events that count a purchase (confirmed, +1) or uncount it (a confirmed order cancelled, −1). */
export const purchaseEventTypes = new Set(['OrderConfirmed', 'OrderCancelled']);

type Order = { order_id: string; user_id: string; product_ids: string[]; confirmed: boolean };

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;
const add = (counts: Map<string, number>, key: string, delta: number) =>
  counts.set(key, (counts.get(key) ?? 0) + delta);
const split = (counts: Map<string, number>) => {
  const keys = [...counts.keys()].map((key) => key.split('\u0000') as [string, string]);
  return { a: keys.map(([a]) => a), b: keys.map(([, b]) => b), n: [...counts.values()] };
};

/**
 * Applies a run of confirmations and cancellations set-based, leaving the rows `countPurchase` leaves event
 * by event: the stream guards folded in log order; the run's orders read once (locked) and their
 * `confirmed` flags folded (an order counts once, and only a confirmed one is uncounted); the products'
 * categories read once (no event of the run changes a category); every counter summed in memory and
 * written with one upsert per table; rows that fell to zero deleted once at the end if anything was
 * uncounted, as each cancellation does event by event.
 */
export async function applyPurchaseRun(events: readonly RecordedEvent[], trx: ReadModelTrx, schema: string) {
  if (events.length === 0) return;
  const guards = await foldStreamGuards(events, trx, schema);
  const counted = guards.fresh.map((event) => ({
    orderId: (event.type === 'OrderConfirmed' ? OrderConfirmed : OrderCancelled).parse(event.data).order_id,
    delta: event.type === 'OrderConfirmed' ? 1 : -1,
  }));
  const ids = [...new Set(counted.map((c) => c.orderId))];
  const { rows: orders } = await sql<Order>`
    SELECT order_id, user_id, product_ids, confirmed FROM ${sql.id(schema, 'order_products')}
     WHERE order_id = ANY(${ids}::text[]) FOR UPDATE`.execute(trx);
  const byId = new Map(orders.map((order) => [order.order_id, order]));
  const products = [...new Set(orders.flatMap((order) => order.product_ids))];
  const { rows: categorised } = await sql<{ product_id: string; category: string }>`
    SELECT product_id, category FROM ${sql.id(schema, 'product_stats')}
     WHERE product_id = ANY(${products}::text[]) AND category IS NOT NULL`.execute(trx);
  const categoryOf = new Map(categorised.map((row) => [row.product_id, row.category]));

  const purchases = new Map<string, number>();
  const userProducts = new Map<string, number>();
  const userCategories = new Map<string, number>();
  const pairs = new Map<string, number>();
  const flipped = new Set<Order>();
  let uncounted = false;
  for (const { orderId, delta } of counted) {
    const order = byId.get(orderId);
    if (!order || order.confirmed === (delta === 1)) continue;
    order.confirmed = delta === 1;
    flipped.add(order);
    if (delta === -1) uncounted = true;
    const bought = [...new Set(order.product_ids)].sort();
    for (const product of bought) {
      add(purchases, product, delta);
      add(userProducts, pairKey(order.user_id, product), delta);
    }
    const categories = new Set(bought.flatMap((product) => categoryOf.get(product) ?? []));
    for (const category of categories) add(userCategories, pairKey(order.user_id, category), delta);
    for (const a of bought) for (const b of bought) if (a !== b) add(pairs, pairKey(a, b), delta);
  }

  if (flipped.size > 0) {
    const changed = [...flipped];
    await sql`
      UPDATE ${sql.id(schema, 'order_products')} AS o SET confirmed = u.confirmed
        FROM unnest(${changed.map((o) => o.order_id)}::text[], ${changed.map((o) => o.confirmed)}::boolean[])
          AS u(order_id, confirmed)
       WHERE o.order_id = u.order_id`.execute(trx);
    // A product's row appears at its first confirmation, so a net uncount only ever meets an existing row.
    await sql`
      INSERT INTO ${sql.id(schema, 'product_stats')} AS s (product_id, category, cart_adds, purchases)
      SELECT id, NULL, 0, n FROM unnest(${[...purchases.keys()]}::text[], ${[...purchases.values()]}::integer[])
        AS u(id, n)
      ON CONFLICT (product_id) DO UPDATE SET purchases = s.purchases + excluded.purchases`.execute(trx);
    const up = split(userProducts);
    await sql`
      INSERT INTO ${sql.id(schema, 'user_products')} AS t (user_id, product_id, purchases)
      SELECT * FROM unnest(${up.a}::text[], ${up.b}::text[], ${up.n}::integer[])
      ON CONFLICT (user_id, product_id) DO UPDATE SET purchases = t.purchases + excluded.purchases`.execute(
      trx,
    );
    if (userCategories.size > 0) {
      const uc = split(userCategories);
      await sql`
        INSERT INTO ${sql.id(schema, 'user_categories')} AS t (user_id, category, purchases)
        SELECT * FROM unnest(${uc.a}::text[], ${uc.b}::text[], ${uc.n}::integer[])
        ON CONFLICT (user_id, category) DO UPDATE SET purchases = t.purchases + excluded.purchases`.execute(
        trx,
      );
    }
    if (pairs.size > 0) {
      const pp = split(pairs);
      await sql`
        INSERT INTO ${sql.id(schema, 'product_pairs')} AS t (product_id, other_id, orders)
        SELECT * FROM unnest(${pp.a}::text[], ${pp.b}::text[], ${pp.n}::integer[])
        ON CONFLICT (product_id, other_id) DO UPDATE SET orders = t.orders + excluded.orders`.execute(trx);
    }
    if (uncounted) {
      await sql`DELETE FROM ${sql.id(schema, 'product_pairs')} WHERE orders <= 0`.execute(trx);
      await sql`DELETE FROM ${sql.id(schema, 'user_categories')} WHERE purchases <= 0`.execute(trx);
      await sql`DELETE FROM ${sql.id(schema, 'user_products')} WHERE purchases <= 0`.execute(trx);
    }
  }
  await guards.write();
}
