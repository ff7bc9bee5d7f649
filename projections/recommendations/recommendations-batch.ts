import { sql } from 'kysely';
import type { ApplyContext, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { itemAddedToCartSchema } from '../../domain/cart/events.ts';
import { productDetailsChangedSchema, productListedSchema } from '../../domain/catalog/events.ts';
import { upcast } from '../../domain/event-catalog.ts';
import { OrderCancelled, OrderConfirmed, OrderPlaced } from '../../domain/ordering/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { foldStreamGuards } from './stream-guards.ts';

type Order = { order_id: string; user_id: string; product_ids: string[]; confirmed: boolean };
type Stats = { category: string | null; cartAdds: number; purchases: number };

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;
const columns = (counts: Map<string, number>) => {
  const keys = [...counts.keys()].map((key) => key.split('\u0000') as [string, string]);
  return { a: keys.map(([a]) => a), b: keys.map(([, b]) => b), n: [...counts.values()] };
};
const orderIdOf = (event: RecordedEvent) => String((event.data as { order_id?: unknown }).order_id);

type CountTable = 'user_products' | 'user_categories' | 'product_pairs';
const countColumns: Record<CountTable, [string, string, string]> = {
  user_products: ['user_id', 'product_id', 'purchases'],
  user_categories: ['user_id', 'category', 'purchases'],
  product_pairs: ['product_id', 'other_id', 'orders'],
};

/**
 * Replays the recorded counter changes on the current rows of the keys they touch (read once per table):
 * a change adds to the row (creating it), a clamp drops every row at zero or below, as the deletes after a
 * cancellation do event by event. Then writes each table's touched rows with one upsert of their final
 * values and one delete of those that ended dropped.
 */
async function writeCounts(
  changes: readonly ({ table: CountTable; key: string; delta: number } | 'clamp')[],
  trx: ReadModelTrx,
  schema: string,
) {
  const values = new Map<CountTable, Map<string, number | undefined>>();
  for (const change of changes) {
    if (change === 'clamp') continue;
    const table = values.get(change.table) ?? new Map<string, number | undefined>();
    values.set(change.table, table);
    table.set(change.key, undefined);
  }
  for (const [table, rows] of values) {
    const [a, b, n] = countColumns[table];
    const keys = [...rows.keys()].map((key) => key.split('\u0000') as [string, string]);
    const { rows: current } = await sql<{ a: string; b: string; n: number }>`
      SELECT t.${sql.id(a)} AS a, t.${sql.id(b)} AS b, t.${sql.id(n)} AS n FROM ${sql.id(schema, table)} AS t
        JOIN unnest(${keys.map(([x]) => x)}::text[], ${keys.map(([, y]) => y)}::text[]) AS k(a, b)
          ON t.${sql.id(a)} = k.a AND t.${sql.id(b)} = k.b
         FOR UPDATE OF t`.execute(trx);
    for (const row of current) rows.set(pairKey(row.a, row.b), row.n);
  }
  const existed = new Map(
    [...values].map(([table, rows]) => [
      table,
      new Set([...rows].filter(([, v]) => v !== undefined).map(([k]) => k)),
    ]),
  );
  for (const change of changes) {
    if (change === 'clamp') {
      for (const rows of values.values())
        for (const [key, value] of rows) if (value !== undefined && value <= 0) rows.set(key, undefined);
      continue;
    }
    const rows = values.get(change.table)!;
    rows.set(change.key, (rows.get(change.key) ?? 0) + change.delta);
  }
  for (const [table, rows] of values) {
    const [a, b, n] = countColumns[table];
    const kept = columns(
      new Map([...rows].filter((entry): entry is [string, number] => entry[1] !== undefined)),
    );
    if (kept.a.length > 0)
      await sql`
        INSERT INTO ${sql.id(schema, table)} AS t (${sql.id(a)}, ${sql.id(b)}, ${sql.id(n)})
        SELECT * FROM unnest(${kept.a}::text[], ${kept.b}::text[], ${kept.n}::integer[])
        ON CONFLICT (${sql.id(a)}, ${sql.id(b)}) DO UPDATE SET ${sql.id(n)} = excluded.${sql.id(n)}`.execute(
        trx,
      );
    const dropped = [...existed.get(table)!].filter((key) => rows.get(key) === undefined);
    if (dropped.length > 0) {
      const d = dropped.map((key) => key.split('\u0000') as [string, string]);
      await sql`
        DELETE FROM ${sql.id(schema, table)} AS t
         USING unnest(${d.map(([x]) => x)}::text[], ${d.map(([, y]) => y)}::text[]) AS k(a, b)
         WHERE t.${sql.id(a)} = k.a AND t.${sql.id(b)} = k.b`.execute(trx);
    }
  }
}

/**
 * A batch of the recommendations read model folded in memory, leaving the rows `apply` leaves event by
 * event: the stream guards read once and folded in log order (an event takes effect only above its
 * stream's last applied revision, as `firstTime` decides); the orders the batch names and their products'
 * categories read once (locked); then every event folded in log order: a product's category (the last
 * one set, which a later confirmation in the batch sees), cart adds and purchases summed; an order placed
 * (one already there stays as it is), confirmed (counted once) or cancelled (only a confirmed one is
 * uncounted), with its buyer's products and categories and its co-purchased pairs (writeCounts). Each
 * table is written with one or two statements at the end.
 */
async function applyRecommendationsBatch(
  events: readonly RecordedEvent[],
  trx: ReadModelTrx,
  schema: string,
) {
  const guards = await foldStreamGuards(events, trx, schema);
  const orderIds = [...new Set(guards.fresh.filter((e) => e.type.startsWith('Order')).map(orderIdOf))];
  // A batch without order events (cart adds, catalog changes: most live batches) reads no orders.
  const { rows: stored } =
    orderIds.length === 0
      ? { rows: [] as Order[] }
      : await sql<Order>`
    SELECT order_id, user_id, product_ids, confirmed FROM ${sql.id(schema, 'order_products')}
     WHERE order_id = ANY(${orderIds}::text[]) FOR UPDATE`.execute(trx);
  const orders = new Map(stored.map((order) => [order.order_id, order]));
  const placed = new Set<Order>();
  const flipped = new Set<Order>();
  const decoded = guards.fresh.map((event) => {
    switch (event.type) {
      case 'ProductListed':
        return { type: event.type, data: productListedSchema.parse(event.data) } as const;
      case 'ProductDetailsChanged':
        return { type: event.type, data: productDetailsChangedSchema.parse(event.data) } as const;
      case 'ItemAddedToCart':
        return { type: event.type, data: itemAddedToCartSchema.parse(event.data) } as const;
      case 'OrderPlaced':
        return { type: event.type, data: OrderPlaced.parse(upcast(event.type, event.data)) } as const;
      case 'OrderConfirmed':
        return { type: event.type, data: OrderConfirmed.parse(event.data) } as const;
      case 'OrderCancelled':
        return { type: event.type, data: OrderCancelled.parse(event.data) } as const;
      default:
        return undefined;
    }
  });
  const products = new Set<string>();
  for (const event of decoded)
    if (event?.type === 'OrderPlaced') for (const item of event.data.items) products.add(item.product_id);
  for (const order of stored) for (const product of order.product_ids) products.add(product);
  const { rows: categorised } =
    products.size === 0
      ? { rows: [] }
      : await sql<{ product_id: string; category: string }>`
    SELECT product_id, category FROM ${sql.id(schema, 'product_stats')}
     WHERE product_id = ANY(${[...products]}::text[]) AND category IS NOT NULL`.execute(trx);
  const categoryOf = new Map(categorised.map((row) => [row.product_id, row.category]));

  const stats = new Map<string, Stats>();
  const statsOf = (productId: string) => {
    const found = stats.get(productId) ?? { category: null, cartAdds: 0, purchases: 0 };
    stats.set(productId, found);
    return found;
  };
  const setCategory = (productId: string, category: string) => {
    statsOf(productId).category = category;
    categoryOf.set(productId, category);
  };
  // The buyer's products and categories and the co-purchased pairs are not simply summed: event by event,
  // each cancellation deletes the rows that fell to zero or below, and a category changed between an order's
  // confirmation and its cancellation uncounts a category it never counted. So the changes are recorded in
  // order, with a clamp after each cancellation, and replayed below on the rows' current values.
  const changes: ({ table: CountTable; key: string; delta: number } | 'clamp')[] = [];
  const count = (orderId: string, delta: 1 | -1) => {
    const order = orders.get(orderId);
    if (!order || order.confirmed === (delta === 1)) return;
    order.confirmed = delta === 1;
    if (!placed.has(order)) flipped.add(order);
    const bought = [...new Set(order.product_ids)].sort();
    for (const product of bought) {
      statsOf(product).purchases += delta;
      changes.push({ table: 'user_products', key: pairKey(order.user_id, product), delta });
    }
    const categories = new Set(bought.flatMap((product) => categoryOf.get(product) ?? []));
    for (const category of categories)
      changes.push({ table: 'user_categories', key: pairKey(order.user_id, category), delta });
    for (const a of bought)
      for (const b of bought)
        if (a !== b) changes.push({ table: 'product_pairs', key: pairKey(a, b), delta });
    if (delta === -1) changes.push('clamp');
  };
  for (const event of decoded) {
    if (!event) continue;
    if (event.type === 'ProductListed') setCategory(event.data.product_id, event.data.category);
    else if (event.type === 'ProductDetailsChanged') {
      if (event.data.changes.category !== undefined)
        setCategory(event.data.product_id, event.data.changes.category);
    } else if (event.type === 'ItemAddedToCart') statsOf(event.data.product_id).cartAdds += 1;
    else if (event.type === 'OrderPlaced') {
      if (orders.has(event.data.order_id)) continue; // placed already: it stays as it is
      const order = {
        order_id: event.data.order_id,
        user_id: event.data.user_id,
        product_ids: event.data.items.map((item) => item.product_id),
        confirmed: false,
      };
      orders.set(order.order_id, order);
      placed.add(order);
    } else count(event.data.order_id, event.type === 'OrderConfirmed' ? 1 : -1);
  }

  // The guards ride along with the stats' upsert when there is one (a data-modifying WITH runs whether or
  // not the statement reads it): a live batch of cart adds then costs one statement less.
  const { upsert: guardUpsert } = guards;
  if (stats.size > 0) {
    const entries = [...stats];
    // A product's row appears at its first touch, so a net uncount only ever meets an existing row.
    await sql`${guardUpsert ? sql`WITH moved_guards AS (${guardUpsert}) ` : sql``}
      INSERT INTO ${sql.id(schema, 'product_stats')} AS s (product_id, category, cart_adds, purchases)
      SELECT * FROM unnest(${entries.map(([id]) => id)}::text[], ${entries.map(([, s]) => s.category)}::text[],
        ${entries.map(([, s]) => s.cartAdds)}::integer[], ${entries.map(([, s]) => s.purchases)}::integer[])
      ON CONFLICT (product_id) DO UPDATE SET category = coalesce(excluded.category, s.category),
        cart_adds = s.cart_adds + excluded.cart_adds, purchases = s.purchases + excluded.purchases`.execute(
      trx,
    );
  } else if (guardUpsert) await guardUpsert.execute(trx);
  if (placed.size > 0)
    await sql`
      INSERT INTO ${sql.id(schema, 'order_products')} (order_id, user_id, product_ids, confirmed)
      SELECT r.order_id, r.user_id,
             ARRAY(SELECT e FROM jsonb_array_elements_text(r.product_ids) WITH ORDINALITY AS x(e, i) ORDER BY i),
             r.confirmed
        FROM jsonb_to_recordset(${JSON.stringify([...placed])}::jsonb)
          AS r(order_id text, user_id text, product_ids jsonb, confirmed boolean)
      ON CONFLICT (order_id) DO NOTHING`.execute(trx);
  if (flipped.size > 0) {
    const changed = [...flipped];
    await sql`
      UPDATE ${sql.id(schema, 'order_products')} AS o SET confirmed = u.confirmed
        FROM unnest(${changed.map((o) => o.order_id)}::text[], ${changed.map((o) => o.confirmed)}::boolean[])
          AS u(order_id, confirmed)
       WHERE o.order_id = u.order_id`.execute(trx);
  }
  await writeCounts(changes, trx, schema);
}

/** The set-based path of the recommendations projection (see applyRecommendationsBatch). */
export const recommendationsBatch = (
  events: readonly RecordedEvent[],
  trx: ReadModelTrx,
  context: ApplyContext,
): Promise<void> => applyRecommendationsBatch(events, trx, context.schema);
