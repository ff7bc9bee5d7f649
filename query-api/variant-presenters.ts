import { toMajorUnits } from '../domain/shared/money.ts';
import type { VariantRow } from '../projections/variants/variants-projection.ts';

/**
 * What variants add to a product body. A product without active variants gets nothing added, so it
 * reads exactly as before; with them, its stock is theirs (a product with variants has no stock of
 * its own) and its price is the base price, `price_range` spanning what the variants cost.
 */
export function variantFields(basePrice: number, rows: readonly VariantRow[], discontinued = false) {
  const active = rows.filter((row) => row.status === 'active');
  if (active.length === 0) return undefined;
  const priced = active.map((row) => ({ row, price: basePrice + Number(row.price_adjustment) }));
  const options: Record<string, string[]> = {};
  for (const { row } of priced)
    for (const [name, value] of Object.entries(row.options)) {
      const values = options[name] ?? [];
      if (!values.includes(value)) values.push(value);
      options[name] = values;
    }
  const prices = priced.map(({ price }) => price);
  const stock = discontinued ? 0 : active.reduce((sum, row) => sum + Math.max(row.available, 0), 0);
  return {
    stock_quantity: stock,
    in_stock: stock > 0,
    price_range: { min: toMajorUnits(Math.min(...prices)), max: toMajorUnits(Math.max(...prices)) },
    options,
    variants: priced.map(({ row, price }) => ({
      variant_id: row.variant_id,
      sku: row.sku,
      options: row.options,
      price: toMajorUnits(price),
      stock_quantity: discontinued ? 0 : Math.max(row.available, 0),
      in_stock: !discontinued && row.available > 0,
    })),
  };
}

/** Rows grouped by product id. */
export const byProduct = (rows: readonly VariantRow[]) => {
  const grouped = new Map<string, VariantRow[]>();
  for (const row of rows) grouped.set(row.product_id, [...(grouped.get(row.product_id) ?? []), row]);
  return grouped;
};
