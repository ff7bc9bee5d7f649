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
 * The variant a cart add names (API.md "Variants"): required when the product has active variants
 * (400 VAL_2002 on variant_id); one the product does not have is 404 RES_3001; a retired one is not for
 * sale, 409 BIZ_4006 (as it stops a checkout). A product without variants takes no variant_id (404).
 */
export function cartVariantOf(
  product: ListedProduct,
  variantId: string | undefined,
): { variantId: VariantId } | null {
  if (variantId === undefined) {
    if (activeVariants(product.variants).length > 0)
      throw new DomainError(ErrorCode.RequiredFieldMissing, 'Required field missing', [
        { field: 'variant_id', message: 'required: this product is sold per variant' },
      ]);
    return null;
  }
  const variant = isId('variant', variantId) ? product.variants?.[variantId] : undefined;
  if (!variant) throw notFound('Variant', variantId);
  if (variant.status === 'retired')
    throw new DomainError(ErrorCode.IllegalStateTransition, `Variant ${variantId} is retired`, [
      { field: 'variant_id', message: 'this variant is no longer sold' },
    ]);
  return { variantId: variant.variantId };
}
