import { sql } from 'kysely';
import type { ApplyContext, ReadModelTrx } from '../../application/projection-runner/types.ts';
import {
  priceChangedSchema,
  productDetailsChangedSchema,
  productDiscontinuedSchema,
  productListedSchema,
} from '../../domain/catalog/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { categoryTexts, loadRows, productIdOf, type Row, type Slot } from './catalog-batch-rows.ts';
import { applyCategoryEvent, countProducts, resolveSlugs } from './category-rows.ts';
import { applyReviewBatch, ratedProducts, updateRatings } from './review-batch.ts';
import { isReviewEvent } from './review-rows.ts';

/**
 * Folds one event into its product's slot exactly as `apply` would change the row, and records category
 * count changes in `counts`. Mirrors catalog-projection.ts case by case (including when it invalidates).
 */
function fold(
  slot: Slot,
  event: RecordedEvent,
  counts: Map<string, number>,
  slugs: ReadonlyMap<string, string>,
  context: ApplyContext,
) {
  const count = (name: string, delta: number) => counts.set(name, (counts.get(name) ?? 0) + delta);
  const row = slot.row;
  switch (event.type) {
    case 'ProductListed': {
      const data = productListedSchema.parse(event.data);
      if (!row) {
        slot.row = {
          product_id: data.product_id,
          name: data.name,
          description: data.description,
          long_description: data.long_description,
          price: String(data.price),
          currency: data.currency,
          category: data.category,
          category_slug: slugs.get(data.category)!,
          subcategory: data.subcategory,
          brand: data.brand,
          sku: data.sku,
          images: data.images,
          specifications: data.specifications,
          discontinued: false,
          revision: event.revision,
          created_at: data.listed_at,
          updated_at: data.listed_at,
        };
        slot.dirty = true;
        count(slugs.get(data.category)!, 1);
      }
      context.invalidate(data.product_id);
      return;
    }
    case 'ProductDetailsChanged': {
      const data = productDetailsChangedSchema.parse(event.data);
      if (!row || row.revision >= event.revision) return;
      const c = data.changes;
      const slug = c.category !== undefined ? slugs.get(c.category)! : row.category_slug;
      if (slug !== row.category_slug && !row.discontinued) {
        count(row.category_slug, -1);
        count(slug, 1);
      }
      row.category_slug = slug;
      if (c.name !== undefined) row.name = c.name;
      if (c.description !== undefined) row.description = c.description;
      if (c.long_description !== undefined) row.long_description = c.long_description;
      if (c.category !== undefined) row.category = c.category;
      if (c.subcategory !== undefined) row.subcategory = c.subcategory;
      if (c.brand !== undefined) row.brand = c.brand;
      if (c.sku !== undefined) row.sku = c.sku;
      if (c.images !== undefined) row.images = c.images;
      if (c.specifications !== undefined) row.specifications = c.specifications;
      row.revision = event.revision;
      row.updated_at = data.changed_at;
      slot.dirty = true;
      context.invalidate(data.product_id);
      return;
    }
    case 'PriceChanged': {
      const data = priceChangedSchema.parse(event.data);
      if (row && row.revision < event.revision) {
        row.price = String(data.new_price);
        row.currency = data.currency;
        row.revision = event.revision;
        row.updated_at = data.changed_at;
        slot.dirty = true;
      }
      context.invalidate(data.product_id);
      return;
    }
    case 'ProductDiscontinued': {
      const data = productDiscontinuedSchema.parse(event.data);
      if (!row || row.revision >= event.revision) return;
      if (!row.discontinued) count(row.category_slug, -1);
      row.discontinued = true;
      row.revision = event.revision;
      row.updated_at = data.discontinued_at;
      slot.dirty = true;
      context.invalidate(data.product_id);
      return;
    }
  }
}

/**
 * The catalog's set-based path. Product events are folded in runs: a run loads its products once
 * (locked), folds the events per product in log order, then writes each changed product once with
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE`, and each category's net count change once.
 * Category tree events are applied one by one between runs, in log order, since they change how the next
 * product events resolve their category. Review events touch only the reviews and each product's rating,
 * which no product event writes, so they are folded apart (review-batch.ts) and the ratings they change
 * recomputed once at the end.
 */
export async function applyCatalogBatch(
  events: readonly RecordedEvent[],
  trx: ReadModelTrx,
  context: ApplyContext,
) {
  const rated = await ratedProducts(events, trx, context);
  const reviews: RecordedEvent[] = [];
  let run: RecordedEvent[] = [];
  for (const event of events) {
    if (productEventTypes.has(event.type)) run.push(event);
    else if (isReviewEvent(event)) reviews.push(event);
    else {
      await applyProductRun(run, trx, context);
      run = [];
      await applyCategoryEvent(event, trx, context);
    }
  }
  await applyProductRun(run, trx, context);
  await applyReviewBatch(reviews, trx, context);
  await updateRatings(rated, trx, context);
}

const productEventTypes = new Set([
  'ProductListed',
  'ProductDetailsChanged',
  'PriceChanged',
  'ProductDiscontinued',
]);

/** Rating and review counts are left as they are. */
async function applyProductRun(events: readonly RecordedEvent[], trx: ReadModelTrx, context: ApplyContext) {
  const ids = [...new Set(events.map(productIdOf).filter((id) => id !== undefined))];
  if (ids.length === 0) return;
  const loaded = await loadRows(trx, context.schema, ids);
  const slots = new Map<string, Slot>(ids.map((id) => [id, { row: loaded.get(id), dirty: false }]));
  const counts = new Map<string, number>();
  const slugs = await resolveSlugs(trx, context, categoryTexts(events));
  for (const event of events) {
    const id = productIdOf(event);
    // Without a product id the event's schema check throws, as it would event by event.
    fold(id !== undefined ? slots.get(id)! : { row: undefined, dirty: false }, event, counts, slugs, context);
  }
  const rows = [...slots.values()].filter((s) => s.dirty).map((s) => s.row!);
  if (rows.length > 0) {
    const col = <T>(pick: (row: Row) => T) => rows.map(pick);
    await sql`
      INSERT INTO ${sql.id(context.schema, 'products')} AS p (product_id, name, description, long_description,
        price, currency, category, category_slug, subcategory, brand, sku, images, specifications, discontinued, revision,
        created_at, updated_at)
      SELECT * FROM unnest(
        ${col((r) => r.product_id)}::text[], ${col((r) => r.name)}::text[],
        ${col((r) => r.description)}::text[], ${col((r) => r.long_description)}::text[],
        ${col((r) => r.price)}::bigint[], ${col((r) => r.currency)}::text[],
        ${col((r) => r.category)}::text[], ${col((r) => r.category_slug)}::text[],
        ${col((r) => r.subcategory)}::text[],
        ${col((r) => r.brand)}::text[], ${col((r) => r.sku)}::text[],
        ${col((r) => JSON.stringify(r.images))}::jsonb[],
        ${col((r) => JSON.stringify(r.specifications))}::jsonb[],
        ${col((r) => r.discontinued)}::boolean[], ${col((r) => r.revision.toString())}::bigint[],
        ${col((r) => r.created_at)}::timestamptz[], ${col((r) => r.updated_at)}::timestamptz[])
      ON CONFLICT (product_id) DO UPDATE SET
        name = excluded.name, description = excluded.description,
        long_description = excluded.long_description, price = excluded.price, currency = excluded.currency,
        category = excluded.category, category_slug = excluded.category_slug, subcategory = excluded.subcategory, brand = excluded.brand,
        sku = excluded.sku, images = excluded.images, specifications = excluded.specifications,
        discontinued = excluded.discontinued, revision = excluded.revision,
        created_at = excluded.created_at, updated_at = excluded.updated_at`.execute(trx);
  }
  await countProducts(trx, context, counts);
}
