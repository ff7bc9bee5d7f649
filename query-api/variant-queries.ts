import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { VariantRow } from '../projections/variants/variants-projection.ts';

/** Variants of products from the variants read model, and products by SKU (variants' and products' own). */
export function createVariantQueries(db: ReadModelDb) {
  const table = (schema: string) => sql.table(`${schema}.variants`);
  return {
    /** Every variant (active and retired) of these products, by product then SKU. */
    async of(schema: string, productIds: readonly string[]): Promise<VariantRow[]> {
      if (productIds.length === 0) return [];
      const result =
        await sql<VariantRow>`SELECT product_id, variant_id, sku, options, price_adjustment::text,
          status, on_hand, reserved, available
        FROM ${table(schema)} WHERE product_id = ANY(${[...productIds]}::text[]) AND product_revision >= 0
        ORDER BY product_id, sku, variant_id`.execute(db);
      return result.rows;
    },

    /**
     * Products a text names exactly by SKU (any case): an active variant's, or the listed product's own. The
     * search index's SKUs, looked up before the text search (both lookups are served by an index on upper(sku)).
     */
    async productsBySku(schemas: { catalog: string; variants: string }, text: string): Promise<string[]> {
      const sku = text.trim();
      const result = await sql<{ product_id: string }>`
        SELECT product_id FROM ${table(schemas.variants)} WHERE upper(sku) = upper(${sku}) AND status = 'active'
        UNION
        SELECT product_id FROM ${sql.table(`${schemas.catalog}.products`)}
        WHERE upper(sku) = upper(${sku}) AND sku IS NOT NULL AND NOT discontinued
        LIMIT 100`.execute(db);
      return result.rows.map((row) => row.product_id);
    },
  };
}
export type VariantQueries = ReturnType<typeof createVariantQueries>;
