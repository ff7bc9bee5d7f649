import type { ProductState } from '../../../domain/catalog/product.ts';
import type { StockState } from '../../../domain/inventory/stock.ts';
import {
  compareRows,
  type Db,
  prefixed,
  type ReadModelCheck,
  type Row,
  servingRows,
} from './read-model-checks.ts';

/**
 * Variants: each variant's SKU and status (from its product's fold) and its levels (from the fold of its
 * own stock stream, `stock-<product>~<variant>`) against the variants read model, keyed `<product>~<variant>`.
 */
export async function variantsCheck(db: Db): Promise<ReadModelCheck | undefined> {
  const serving = await servingRows(
    db,
    'variants',
    'variants',
    "product_id || '~' || variant_id AS product_id, sku, status, on_hand, reserved",
  );
  if (!serving) return undefined;
  let folded = new Map<string, Row>();
  return {
    name: 'variants',
    ...serving,
    rows: serving.rows.length,
    capture(states) {
      folded = new Map();
      for (const [productId, state] of prefixed(states, 'product-')) {
        const product = state as ProductState;
        if (product.status === 'unlisted') continue;
        for (const variant of Object.values(product.variants ?? {}))
          folded.set(`${productId}~${variant.variantId}`, { sku: variant.sku, status: variant.status });
      }
      for (const [key, state] of prefixed(states, 'stock-')) {
        if (!key.includes('~')) continue;
        const stock = state as StockState;
        folded.set(key, { ...folded.get(key), on_hand: stock.onHand, reserved: stock.reserved });
      }
    },
    compare: (report) =>
      compareRows('variants', serving.generation, 'variant ', serving.rows, folded, report),
  };
}
