import { z } from 'zod';
import type { Json, ProductDetails } from '../../domain/catalog/commands.ts';
import { MAX_RECEIVE_QUANTITY } from '../../domain/inventory/commands.ts';
import { specificationsSchema } from '../../infra/http/catalog-schema.ts';
import { priceSchema } from './money-input.ts';

// zod checks types and the contract's bounds; the product decider checks the rest (trimmed name
// length, per-field limits) and collects every problem into one VAL_2001.
const text = z.string();
const optionalText = text.nullable().optional();
const images = z.array(z.string());
const specifications = specificationsSchema;
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code, e.g. USD');

export const createProductSchema = z.object({
  name: text.min(1).max(255),
  description: optionalText,
  long_description: optionalText,
  price: priceSchema,
  currency: currency.optional(),
  category: text.min(1),
  subcategory: optionalText,
  brand: optionalText,
  sku: optionalText,
  images: images.optional(),
  specifications: specifications.optional(),
  initial_stock: z.number().int().min(0).max(MAX_RECEIVE_QUANTITY).optional(),
});
export type CreateProductBody = z.output<typeof createProductSchema>;

export const changeDetailsSchema = z.object({
  name: text.min(1).max(255).optional(),
  description: optionalText,
  long_description: optionalText,
  category: text.min(1).optional(),
  subcategory: optionalText,
  brand: optionalText,
  sku: optionalText,
  images: images.optional(),
  specifications: specifications.optional(),
});
export type ChangeDetailsBody = z.output<typeof changeDetailsSchema>;

export const changePriceSchema = z.object({ price: priceSchema, currency: currency.optional() });

/** A product id in a path: any short string; one that is not a `prd_` id answers 404, not 400. */
export const productParams = z.object({ product_id: z.string().min(1).max(128) });

/** The descriptive fields of a PUT body under their domain names; absent fields stay absent. */
export function detailChanges(body: ChangeDetailsBody): Partial<ProductDetails> {
  const changes: Partial<ProductDetails> = {};
  const set = <K extends keyof ProductDetails>(field: K, value: ProductDetails[K] | undefined) => {
    if (value !== undefined) changes[field] = value;
  };
  set('name', body.name);
  set('description', body.description);
  set('longDescription', body.long_description);
  set('category', body.category);
  set('subcategory', body.subcategory);
  set('brand', body.brand);
  set('sku', body.sku);
  set('images', body.images);
  set('specifications', body.specifications as Record<string, Json> | undefined);
  return changes;
}
