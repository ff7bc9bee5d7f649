import { sql } from 'kysely';
import type { ReadModelTrx } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/** A product row as the batch folds it (timestamps kept as text so a loaded row writes back unchanged). */
export type Row = {
  product_id: string;
  name: string;
  description: string | null;
  long_description: string | null;
  price: string;
  currency: string;
  category: string;
  category_slug: string;
  subcategory: string | null;
  brand: string | null;
  sku: string | null;
  images: unknown;
  specifications: unknown;
  discontinued: boolean;
  revision: bigint;
  created_at: string;
  updated_at: string;
};

export type Slot = { row: Row | undefined; dirty: boolean };

export const productIdOf = (event: RecordedEvent): string | undefined => {
  const id = (event.data as { product_id?: unknown } | null)?.product_id;
  return typeof id === 'string' ? id : undefined;
};

export async function loadRows(trx: ReadModelTrx, schema: string, ids: string[]) {
  const { rows } = await sql<Omit<Row, 'revision'> & { revision: string }>`
    SELECT product_id, name, description, long_description, price::text AS price, currency, category,
           category_slug, subcategory, brand, sku, images, specifications, discontinued, revision::text AS revision,
           created_at::text AS created_at, updated_at::text AS updated_at
    FROM ${sql.id(schema, 'products')} WHERE product_id = ANY(${ids}::text[]) FOR UPDATE`.execute(trx);
  return new Map(rows.map((r) => [r.product_id, { ...r, revision: BigInt(r.revision) }]));
}

/** The category texts a run of product events names, to resolve in one read of the tree. */
export function categoryTexts(events: readonly RecordedEvent[]): string[] {
  const texts: string[] = [];
  for (const event of events) {
    const data = event.data as { category?: unknown; changes?: { category?: unknown } } | null;
    const text =
      event.type === 'ProductListed'
        ? data?.category
        : event.type === 'ProductDetailsChanged'
          ? data?.changes?.category
          : undefined;
    if (typeof text === 'string') texts.push(text);
  }
  return texts;
}
