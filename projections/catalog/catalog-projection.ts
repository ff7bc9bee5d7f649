import type { Transaction } from 'kysely';
import type { ApplyContext, PgProjection, ReadModelTrx } from '../../application/projection-runner/types.ts';
import {
  priceChangedSchema,
  productDetailsChangedSchema,
  productDiscontinuedSchema,
  productListedSchema,
} from '../../domain/catalog/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { applyCatalogBatch } from './catalog-batch.ts';
import { type CatalogTables, catalogDdl } from './catalog-schema.ts';
import {
  applyCategoryEvent,
  categoryEventTypes,
  countProducts,
  isCategoryEvent,
  resolveSlugs,
} from './category-rows.ts';
import { applyReviewEvent, isReviewEvent, reviewEventTypes } from './review-rows.ts';

type Trx = Transaction<CatalogTables>;

const count = (trx: Trx, context: ApplyContext, changes: [string, number][]) =>
  countProducts(trx as unknown as ReadModelTrx, context, new Map(changes));
const slugOf = async (trx: Trx, context: ApplyContext, text: string) =>
  (await resolveSlugs(trx as unknown as ReadModelTrx, context, [text])).get(text)!;

const currentRow = (trx: Trx, productId: string) =>
  trx
    .selectFrom('products')
    .select(['category_slug', 'revision', 'discontinued'])
    .where('product_id', '=', productId)
    .forUpdate()
    .executeTakeFirst();

async function apply(event: RecordedEvent, trx: Trx, context: ApplyContext) {
  if (isCategoryEvent(event)) return applyCategoryEvent(event, trx as unknown as ReadModelTrx, context);
  if (isReviewEvent(event)) return applyReviewEvent(event, trx as unknown as ReadModelTrx, context);
  const revision = event.revision.toString();
  switch (event.type) {
    case 'ProductListed': {
      const data = productListedSchema.parse(event.data);
      const slug = await slugOf(trx, context, data.category);
      const inserted = await trx
        .insertInto('products')
        .values({
          product_id: data.product_id,
          name: data.name,
          description: data.description,
          long_description: data.long_description,
          price: String(data.price),
          currency: data.currency,
          category: data.category,
          category_slug: slug,
          subcategory: data.subcategory,
          brand: data.brand,
          sku: data.sku,
          images: JSON.stringify(data.images) as unknown as string[],
          specifications: JSON.stringify(data.specifications) as unknown as Record<string, unknown>,
          revision,
          created_at: new Date(data.listed_at),
          updated_at: new Date(data.listed_at),
        })
        .onConflict((oc) => oc.column('product_id').doNothing())
        .returning('product_id')
        .executeTakeFirst();
      if (inserted) await count(trx, context, [[slug, 1]]);
      context.invalidate(data.product_id);
      return;
    }
    case 'ProductDetailsChanged': {
      const data = productDetailsChangedSchema.parse(event.data);
      const row = await currentRow(trx, data.product_id);
      if (!row || BigInt(row.revision) >= event.revision) return;
      const c = data.changes;
      const slug = c.category !== undefined ? await slugOf(trx, context, c.category) : row.category_slug;
      await trx
        .updateTable('products')
        .set({
          ...(c.name !== undefined ? { name: c.name } : {}),
          ...(c.description !== undefined ? { description: c.description } : {}),
          ...(c.long_description !== undefined ? { long_description: c.long_description } : {}),
          ...(c.category !== undefined ? { category: c.category, category_slug: slug } : {}),
          ...(c.subcategory !== undefined ? { subcategory: c.subcategory } : {}),
          ...(c.brand !== undefined ? { brand: c.brand } : {}),
          ...(c.sku !== undefined ? { sku: c.sku } : {}),
          ...(c.images !== undefined ? { images: JSON.stringify(c.images) as unknown as string[] } : {}),
          ...(c.specifications !== undefined
            ? { specifications: JSON.stringify(c.specifications) as unknown as Record<string, unknown> }
            : {}),
          revision,
          updated_at: new Date(data.changed_at),
        })
        .where('product_id', '=', data.product_id)
        .execute();
      if (slug !== row.category_slug && !row.discontinued)
        await count(trx, context, [
          [row.category_slug, -1],
          [slug, 1],
        ]);
      context.invalidate(data.product_id);
      return;
    }
    case 'PriceChanged': {
      const data = priceChangedSchema.parse(event.data);
      await trx
        .updateTable('products')
        .set({
          price: String(data.new_price),
          currency: data.currency,
          revision,
          updated_at: new Date(data.changed_at),
        })
        .where('product_id', '=', data.product_id)
        .where('revision', '<', revision)
        .execute();
      context.invalidate(data.product_id);
      return;
    }
    case 'ProductDiscontinued': {
      const data = productDiscontinuedSchema.parse(event.data);
      const row = await currentRow(trx, data.product_id);
      if (!row || BigInt(row.revision) >= event.revision) return;
      if (!row.discontinued) await count(trx, context, [[row.category_slug, -1]]);
      await trx
        .updateTable('products')
        .set({ discontinued: true, revision, updated_at: new Date(data.discontinued_at) })
        .where('product_id', '=', data.product_id)
        .execute();
      context.invalidate(data.product_id);
      return;
    }
  }
}

/** The catalog: products for listing, search and detail, and the category tree with its counts. */
export const catalogProjection: PgProjection = {
  kind: 'postgres',
  name: 'catalog',
  eventTypes: [
    'ProductListed',
    'ProductDetailsChanged',
    'PriceChanged',
    'ProductDiscontinued',
    ...categoryEventTypes,
    ...reviewEventTypes,
  ],
  ddl: catalogDdl,
  apply: (event, trx, context) => apply(event, trx as unknown as Trx, context),
  applyBatch: applyCatalogBatch,
};
