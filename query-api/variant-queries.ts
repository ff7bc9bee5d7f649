import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { VariantRow } from '../projections/variants/variants-projection.ts';

/** Variants of products, and products by variant SKU, from the variants read model. */
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

    /** Products with an active variant whose SKU is this text (case-insensitive): the search index's SKUs. */
    async productsBySku(schema: string, text: string): Promise<string[]> {
      const result = await sql<{ product_id: string }>`SELECT DISTINCT product_id FROM ${table(schema)}
        WHERE upper(sku) = upper(${text.trim()}) AND status = 'active' LIMIT 100`.execute(db);
      return result.rows.map((row) => row.product_id);
    },
  };
}
export type VariantQueries = ReturnType<typeof createVariantQueries>;
