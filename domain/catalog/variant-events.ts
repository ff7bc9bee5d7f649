import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { minorUnitsSchema } from '../shared/money.ts';

// Variant events live in the product's own stream (`product-<product_id>`), so one decider keeps
// a product's SKUs and option combinations unique without a second stream or a lookup.
const schemaVersion = z.literal(1).describe('version of this event data shape');
const isoTime = z.iso.datetime({ offset: true });
const productId = idSchema('product').describe('the product the variant belongs to');
const variantId = idSchema('variant').describe('the variant');

export const variantOptionsSchema = z
  .record(z.string().min(1), z.string().min(1))
  .describe('the options combination, option name → value, e.g. {"size":"M","color":"red"}');
const sku = z.string().min(1).max(64).describe("the variant's stock keeping unit, unique within the product");
const priceAdjustment = minorUnitsSchema.describe(
  'signed minor units added to the base price (the variant costs base + adjustment)',
);

export const variantAddedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    sku,
    options: variantOptionsSchema,
    price_adjustment: priceAdjustment,
    added_at: isoTime,
  })
  .describe('A product gained a variant with its SKU, options combination and signed price adjustment.');

export const variantChangedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    changes: z
      .object({ sku, options: variantOptionsSchema, price_adjustment: priceAdjustment })
      .partial()
      .describe('only the fields that changed, with their new values'),
    changed_at: isoTime,
  })
  .describe("Some of a variant's SKU, options or price adjustment changed; `changes` holds only those.");

export const variantRetiredSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    retired_at: isoTime,
  })
  .describe(
    'A variant was withdrawn from sale: it cannot be bought or changed; orders holding it stay readable.',
  );

export const variantEventSchemas = {
  VariantAdded: variantAddedSchema,
  VariantChanged: variantChangedSchema,
  VariantRetired: variantRetiredSchema,
} as const;

export type VariantAdded = DomainEvent<'VariantAdded', z.infer<typeof variantAddedSchema>>;
export type VariantChanged = DomainEvent<'VariantChanged', z.infer<typeof variantChangedSchema>>;
export type VariantRetired = DomainEvent<'VariantRetired', z.infer<typeof variantRetiredSchema>>;
export type VariantEvent = VariantAdded | VariantChanged | VariantRetired;
