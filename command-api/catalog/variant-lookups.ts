import type { ListedProduct } from '../../domain/catalog/product.ts';
import { activeVariants } from '../../domain/catalog/variants.ts';
import { DomainError, ErrorCode, notFound } from '../../domain/shared/errors.ts';
import { isId, type VariantId } from '../../domain/shared/ids.ts';

/**
 * Which stock item a stock request counts: the product's own (no variants, no variant_id), or one of its
 * variants. A product with variants has no product-level stock, so variant_id is then required
 * (400 VAL_2002); a variant_id the product does not have is 404 RES_3001. Retired variants may still be
 * counted and corrected, as a discontinued product may.
 */
export function stockVariantOf(product: ListedProduct, variantId: string | undefined): VariantId | undefined {
  const variants = product.variants ?? {};
  if (variantId === undefined) {
    if (Object.keys(variants).length > 0)
      throw new DomainError(ErrorCode.RequiredFieldMissing, 'Required field missing', [
        { field: 'variant_id', message: 'required: this product has variants' },
      ]);
    return undefined;
  }
  if (!isId('variant', variantId) || !variants[variantId]) throw notFound('Variant', variantId);
  return variantId;
}

/**
 * A product sold per variant cannot be carted as a whole (it has no stock of its own): 400 VAL_2002
 * naming variant_id. Carts, reservations and orders per variant are not built yet (docs/catalog.md).
 */
export function refuseWholeProductOfVariants(product: ListedProduct) {
  if (activeVariants(product.variants).length > 0)
    throw new DomainError(ErrorCode.RequiredFieldMissing, 'Required field missing', [
      { field: 'variant_id', message: 'required: this product is sold per variant' },
    ]);
}
