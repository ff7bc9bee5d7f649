import { sql, type Transaction } from 'kysely';
import {
  priceChangedSchema,
  productDetailsChangedSchema,
  productDiscontinuedSchema,
  productListedSchema,
} from '../../domain/catalog/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { ApplyContext, PgProjection } from '../runner/types.ts';
import { applyCatalogBatch } from './catalog-batch.ts';
import { type CatalogTables, catalogDdl } from './catalog-schema.ts';

type Trx = Transaction<CatalogTables>;

/**
 * Categories count listed (not discontinued) products. Counted incrementally: the revision guard lets each
 * product event change its row at most once, so a replayed event never moves a count twice.
 */
async function countIn(trx: Trx, name: string, delta: 1 | -1) {
  if (delta === 1) {
    await trx
      .insertInto('categories')
      .values({ name, product_count: 1 })
      .onConflict((oc) => oc.column('name').doUpdateSet({ product_count: sql`categories.product_count + 1` }))
      .execute();
    return;
  }
  await trx
    .updateTable('categories')
    .set({ product_count: sql`product_count - 1` })
    .where('name', '=', name)
    .execute();
  await trx.deleteFrom('categories').where('name', '=', name).where('product_count', '<=', 0).execute();
}

const currentRow = (trx: Trx, productId: string) =>
  trx
    .selectFrom('products')
    .select(['category', 'revision', 'discontinued'])
    .where('product_id', '=', productId)
    .forUpdate()
    .executeTakeFirst();

async function apply(event: RecordedEvent, trx: Trx, context: ApplyContext) {
  const revision = event.revision.toString();
  switch (event.type) {
    case 'ProductListed': {
      const data = productListedSchema.parse(event.data);
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
      if (inserted) await countIn(trx, data.category, 1);
      context.invalidate(data.product_id);
      return;
    }
    case 'ProductDetailsChanged': {
      const data = productDetailsChangedSchema.parse(event.data);
      const row = await currentRow(trx, data.product_id);
      if (!row || BigInt(row.revision) >= event.revision) return;
      const c = data.changes;
      await trx
        .updateTable('products')
        .set({
          ...(c.name !== undefined ? { name: c.name } : {}),
          ...(c.description !== undefined ? { description: c.description } : {}),
          ...(c.long_description !== undefined ? { long_description: c.long_description } : {}),
          ...(c.category !== undefined ? { category: c.category } : {}),
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
      if (c.category !== undefined && c.category !== row.category && !row.discontinued) {
        await countIn(trx, row.category, -1);
        await countIn(trx, c.category, 1);
      }
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
      if (!row.discontinued) await countIn(trx, row.category, -1);
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

/** The catalog: products for listing, search and detail, and categories with their counts. */
export const catalogProjection: PgProjection = {
  kind: 'postgres',
  name: 'catalog',
  eventTypes: ['ProductListed', 'ProductDetailsChanged', 'PriceChanged', 'ProductDiscontinued'],
  ddl: catalogDdl,
  apply: (event, trx, context) => apply(event, trx as unknown as Trx, context),
  applyBatch: applyCatalogBatch,
};
