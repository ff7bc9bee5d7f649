import { sql } from 'kysely';
import type { ApplyContext, PgProjection, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { variantEventSchemas } from '../../domain/catalog/variant-events.ts';
import { inventoryEventSchemas } from '../../domain/inventory/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { applyVariantsBatch, isInventoryEvent, isVariantEvent } from './variants-batch.ts';

/** A variant with its own stock levels; price = the catalog's base price + price_adjustment (at query time). */
export type VariantRow = {
  product_id: string;
  variant_id: string;
  sku: string;
  options: Record<string, string>;
  price_adjustment: string;
  status: 'active' | 'retired';
  on_hand: number;
  reserved: number;
  available: number;
};

// Two revision guards, one per source stream: the product stream's for the variant's facts, the
// variant's stock stream's for its levels. Each side upserts the row, so the order they arrive in
// does not matter and a replay changes nothing.
const ddl = (schema: string) => `
CREATE TABLE ${schema}.variants (
  variant_id text PRIMARY KEY,
  product_id text NOT NULL,
  sku text NOT NULL DEFAULT '',
  options jsonb NOT NULL DEFAULT '{}',
  price_adjustment bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'active',
  product_revision bigint NOT NULL DEFAULT -1,
  on_hand integer NOT NULL DEFAULT 0,
  reserved integer NOT NULL DEFAULT 0,
  available integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
  stock_revision bigint NOT NULL DEFAULT -1
);
CREATE INDEX variants_product ON ${schema}.variants (product_id);
CREATE INDEX variants_sku ON ${schema}.variants (upper(sku));
CREATE INDEX variants_active_adjustment ON ${schema}.variants (price_adjustment)
  WHERE status = 'active' AND product_revision >= 0;
`;

async function apply(event: RecordedEvent, trx: ReadModelTrx, context: ApplyContext) {
  const variants = sql.table(`${context.schema}.variants`);
  const revision = event.revision.toString();
  if (isInventoryEvent(event.type)) {
    const data = inventoryEventSchemas[event.type].parse(event.data);
    if (!data.variant_id) return; // product-level stock: the inventory projection's
    await sql`INSERT INTO ${variants} AS v (variant_id, product_id, on_hand, reserved, stock_revision)
      VALUES (${data.variant_id}, ${data.product_id}, ${data.on_hand}, ${data.reserved}, ${revision})
      ON CONFLICT (variant_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved,
        stock_revision = excluded.stock_revision
      WHERE v.stock_revision < excluded.stock_revision`.execute(trx);
    context.invalidate(data.product_id);
    return;
  }
  if (!isVariantEvent(event.type)) return;
  const fact = { type: event.type, data: variantEventSchemas[event.type].parse(event.data) } as const;
  const { product_id: productId, variant_id: variantId } = fact.data;
  let sku: string | null = null;
  let options: Record<string, string> | null = null;
  let adjustment: number | null = null;
  let status: string | null = null;
  if (fact.type === 'VariantAdded') {
    const added = variantEventSchemas.VariantAdded.parse(event.data);
    ({ sku, options } = added);
    adjustment = added.price_adjustment;
    status = 'active';
  } else if (fact.type === 'VariantChanged') {
    const { changes } = variantEventSchemas.VariantChanged.parse(event.data);
    sku = changes.sku ?? null;
    options = changes.options ?? null;
    adjustment = changes.price_adjustment ?? null;
  } else status = 'retired';
  // NULL keeps a column as it is: a change names only what changed.
  await sql`INSERT INTO ${variants} AS v (variant_id, product_id, sku, options, price_adjustment, status, product_revision)
    VALUES (${variantId}, ${productId}, coalesce(${sku}, ''), coalesce(${options ? JSON.stringify(options) : null}::jsonb, '{}'),
      coalesce(${adjustment}::bigint, 0), coalesce(${status}, 'active'), ${revision})
    ON CONFLICT (variant_id) DO UPDATE SET
      sku = coalesce(${sku}, v.sku),
      options = coalesce(${options ? JSON.stringify(options) : null}::jsonb, v.options),
      price_adjustment = coalesce(${adjustment}::bigint, v.price_adjustment),
      status = coalesce(${status}, v.status),
      product_revision = excluded.product_revision
    WHERE v.product_revision < excluded.product_revision`.execute(trx);
  context.invalidate(productId);
}

/** Variants per product with their own stock: feeds GET /products/{id}, listings' price_range and SKU search. */
export const variantsProjection: PgProjection = {
  kind: 'postgres',
  name: 'variants',
  eventTypes: [...Object.keys(variantEventSchemas), ...Object.keys(inventoryEventSchemas)],
  ddl,
  apply,
  applyBatch: applyVariantsBatch,
};
