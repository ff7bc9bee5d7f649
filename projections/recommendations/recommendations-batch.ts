import { sql } from 'kysely';
import type { ApplyContext, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { itemAddedToCartSchema } from '../../domain/cart/events.ts';
import { productDetailsChangedSchema, productListedSchema } from '../../domain/catalog/events.ts';
import { upcast } from '../../domain/event-catalog.ts';
import { OrderPlaced } from '../../domain/ordering/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { applyPurchaseRun, purchaseEventTypes } from './purchase-batch.ts';
import { foldStreamGuards } from './stream-guards.ts';

/**
 * The events that read nothing the run writes: a product's category or a cart add (folded per product)
 * and an order's products as placed (written as they come; only its confirmation or cancellation reads them).
 */
const counterEventTypes = new Set([
  'ProductListed',
  'ProductDetailsChanged',
  'ItemAddedToCart',
  'OrderPlaced',
]);

type Stats = { category: string | null; cartAdds: number };

/**
 * Applies a run of category, cart-add and order-placed events set-based: the stream guards they need are
 * read once and folded in log order (an event counts only above its stream's last applied revision, as
 * `firstTime` decides event by event), each product's category (the last one set) and cart adds (summed)
 * written with one upsert, the orders' products with one insert (an order already there stays, as event by
 * event), and the guards with another upsert.
 */
async function applyCounterRun(events: readonly RecordedEvent[], trx: ReadModelTrx, schema: string) {
  if (events.length === 0) return;
  const guards = await foldStreamGuards(events, trx, schema);
  const stats = new Map<string, Stats>();
  const placed: { order_id: string; user_id: string; product_ids: string[] }[] = [];
  const statsOf = (productId: string) => {
    const s = stats.get(productId) ?? { category: null, cartAdds: 0 };
    stats.set(productId, s);
    return s;
  };
  for (const event of guards.fresh) {
    if (event.type === 'ProductListed') {
      const data = productListedSchema.parse(event.data);
      statsOf(data.product_id).category = data.category;
    } else if (event.type === 'ProductDetailsChanged') {
      const data = productDetailsChangedSchema.parse(event.data);
      if (data.changes.category !== undefined) statsOf(data.product_id).category = data.changes.category;
    } else if (event.type === 'OrderPlaced') {
      const data = OrderPlaced.parse(upcast(event.type, event.data));
      placed.push({
        order_id: data.order_id,
        user_id: data.user_id,
        product_ids: data.items.map((item) => item.product_id),
      });
    } else statsOf(itemAddedToCartSchema.parse(event.data).product_id).cartAdds += 1;
  }
  if (stats.size > 0) {
    const entries = [...stats];
    await sql`
      INSERT INTO ${sql.id(schema, 'product_stats')} AS s (product_id, category, cart_adds, purchases)
      SELECT id, category, adds, 0 FROM unnest(${entries.map(([id]) => id)}::text[],
        ${entries.map(([, s]) => s.category)}::text[], ${entries.map(([, s]) => s.cartAdds)}::integer[])
        AS u(id, category, adds)
      ON CONFLICT (product_id) DO UPDATE SET category = coalesce(excluded.category, s.category),
        cart_adds = s.cart_adds + excluded.cart_adds`.execute(trx);
  }
  if (placed.length > 0) {
    await sql`
      INSERT INTO ${sql.id(schema, 'order_products')} (order_id, user_id, product_ids, confirmed)
      SELECT r.order_id, r.user_id, ARRAY(SELECT e FROM jsonb_array_elements_text(r.product_ids) WITH ORDINALITY AS x(e, i) ORDER BY i), false
        FROM jsonb_to_recordset(${JSON.stringify(placed)}::jsonb) AS r(order_id text, user_id text, product_ids jsonb)
      ON CONFLICT (order_id) DO NOTHING`.execute(trx);
  }
  await guards.write();
}

/**
 * The set-based path: the log is cut into runs of counter events (applyCounterRun) and runs of purchase
 * events (applyPurchaseRun), each written before the next begins, in log order: a confirmation reads the
 * orders and categories the run before it may have just written.
 */
export function recommendationsBatch(
  apply: (event: RecordedEvent, trx: ReadModelTrx) => Promise<void>,
): (events: readonly RecordedEvent[], trx: ReadModelTrx, context: ApplyContext) => Promise<void> {
  return async (events, trx, context) => {
    let run: RecordedEvent[] = [];
    let kind: 'counter' | 'purchase' | undefined;
    const flush = async () => {
      if (kind === 'counter') await applyCounterRun(run, trx, context.schema);
      if (kind === 'purchase') await applyPurchaseRun(run, trx, context.schema);
      run = [];
      kind = undefined;
    };
    for (const event of events) {
      const next = counterEventTypes.has(event.type)
        ? 'counter'
        : purchaseEventTypes.has(event.type)
          ? 'purchase'
          : undefined;
      if (next !== kind) await flush();
      if (next === undefined) {
        await apply(event, trx);
        continue;
      }
      kind = next;
      run.push(event);
    }
    await flush();
  };
}
