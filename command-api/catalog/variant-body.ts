import { z } from 'zod';
import type { ListedProduct } from '../../domain/catalog/product.ts';
import { type Variant, variantPrice } from '../../domain/catalog/variants.ts';
import { MAX_RECEIVE_QUANTITY } from '../../domain/inventory/commands.ts';
import { apiMoney, signedMoneySchema } from './money-input.ts';

// Types and money here; lengths, emptiness and uniqueness are the decider's (one VAL_2001 / RES_3002).
const options = z.record(z.string(), z.string());

export const addVariantSchema = z.object({
  sku: z.string(),
  options,
  price_adjustment: signedMoneySchema,
  initial_stock: z.number().int().min(0).max(MAX_RECEIVE_QUANTITY).optional(),
});

export const changeVariantSchema = z.object({
  sku: z.string().optional(),
  options: options.optional(),
  price_adjustment: signedMoneySchema.optional(),
});

export const variantParams = z.object({
  product_id: z.string().min(1).max(128),
  variant_id: z.string().min(1).max(128),
});

/** What the variant routes answer (variantBody). */
export const variantResponseSchema = z
  .object({
    variant_id: z.string(),
    product_id: z.string(),
    sku: z.string(),
    options: z.record(z.string(), z.string()),
    price_adjustment: z.number().describe('signed money, two decimals'),
    price: z.number().describe('base price + adjustment'),
    status: z.enum(['active', 'retired']),
  })
  .meta({ id: 'Variant' });

/** API.md's variant body: `{variant_id, product_id, sku, options, price_adjustment, price}` plus its status. */
export const variantBody = (product: ListedProduct, variant: Variant) => ({
  variant_id: variant.variantId,
  product_id: product.productId,
  sku: variant.sku,
  options: variant.options,
  price_adjustment: apiMoney(variant.priceAdjustment),
  price: apiMoney(variantPrice(product.price, variant)),
  status: variant.status,
});
