import { type RawBuilder, sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';

/** A listing's price range in minor units (min_price/max_price); either end may be open. */
export type PriceRange = { minPrice?: number | undefined; maxPrice?: number | undefined };

/** The lowest and highest price adjustment of the active variants, each widened to include 0 (no variant). */
export type AdjustmentSpan = { lowest: number; highest: number };

const NO_SPAN: AdjustmentSpan = { lowest: 0, highest: 0 };

/** A variant that is on sale: active, and its product known (the variants read model's rows). */
const activeVariant = (alias: string) =>
  sql`${sql.ref(`${alias}.status`)} = 'active' AND ${sql.ref(`${alias}.product_revision`)} >= 0`;

/**
 * The active variants' adjustment span, read before the listing so that the range it implies reaches the
 * planner as constants (variants_active_adjustment: two index reads). Nothing to read without a range.
 */
export async function readAdjustmentSpan(
  db: ReadModelDb,
  variantsSchema: string | undefined,
  range: PriceRange,
): Promise<AdjustmentSpan> {
  if (!variantsSchema || (range.minPrice === undefined && range.maxPrice === undefined)) return NO_SPAN;
  const result = await sql<{ lowest: string; highest: string }>`
    SELECT least(min(v.price_adjustment), 0) AS lowest, greatest(max(v.price_adjustment), 0) AS highest
    FROM ${sql.table(`${variantsSchema}.variants`)} v WHERE ${activeVariant('v')}`.execute(db);
  const span = result.rows[0]!; // least/greatest skip the NULL of an empty table: 0 and 0
  return { lowest: Number(span.lowest), highest: Number(span.highest) };
}

/**
 * min_price/max_price over the products aliased `p`: a product with active variants matches when any of
 * them is priced in the range (its base price alone is not sold); a product without variants by its own
 * price (docs/catalog.md). That test needs each row's variants, so no index can serve it; the base-price
 * range it implies can: a match's base price lies in [min − highest adjustment, max − lowest adjustment]
 * (docs/search.md, section 3).
 */
export function priceFilter(
  variantsSchema: string | undefined,
  range: PriceRange,
  span: AdjustmentSpan,
): RawBuilder<unknown> {
  const [min, max] = [range.minPrice ?? null, range.maxPrice ?? null];
  if (min === null && max === null) return sql`TRUE`;
  const inRange = (price: RawBuilder<unknown>, widen = { below: 0, above: 0 }) => {
    const [from, to] = [min === null ? null : min - widen.below, max === null ? null : max + widen.above];
    return sql`(${from}::bigint IS NULL OR ${price} >= ${from}) AND (${to}::bigint IS NULL OR ${price} <= ${to})`;
  };
  if (!variantsSchema) return inRange(sql`p.price`);
  const variants = sql.table(`${variantsSchema}.variants`);
  const active = sql`v.product_id = p.product_id AND ${activeVariant('v')}`;
  return sql`${inRange(sql`p.price`, { below: span.highest, above: -span.lowest })}
    AND (CASE WHEN EXISTS (SELECT 1 FROM ${variants} v WHERE ${active})
    THEN EXISTS (SELECT 1 FROM ${variants} v WHERE ${active} AND ${inRange(sql`p.price + v.price_adjustment`)})
    ELSE ${inRange(sql`p.price`)} END)`;
}
