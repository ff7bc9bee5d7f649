import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { currencySchema, minorUnitsSchema } from '../shared/money.ts';
import { type VariantEvent, variantEventSchemas } from './variant-events.ts';

/** Events of this context live in streams `product-<productId>`. Stored data fields are snake_case. */
export const catalogStreamCategory = 'product';

const schemaVersion = z.literal(1).describe('version of this event data shape');
const isoTime = z.iso.datetime({ offset: true });
const productId = idSchema('product').describe('the product');
const nullableText = z.string().nullable();

/** The descriptive fields as stored: ProductListed carries them all, ProductDetailsChanged some. */
const details = {
  name: z.string().min(1).max(255),
  description: nullableText,
  long_description: nullableText,
  category: z.string().min(1),
  subcategory: nullableText,
  brand: nullableText,
  sku: nullableText,
  images: z.array(z.string()).describe('image URLs, the first one the main image'),
  specifications: z.record(z.string(), z.json()),
};
export const productDetailsSchema = z.object(details);
/** The descriptive fields of a product as its events store them. */
export type StoredProductDetails = z.infer<typeof productDetailsSchema>;

export const productListedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    ...details,
    price: minorUnitsSchema.positive().describe('price per unit, minor units'),
    currency: currencySchema,
    listed_at: isoTime,
  })
  .describe('A product was put in the catalog with its full description and its price (minor units).');

export const productDetailsChangedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    // Only the fields that changed, with their new values; null clears an optional field.
    changes: productDetailsSchema.partial(),
    changed_at: isoTime,
  })
  .describe(
    'Some descriptive fields of a product changed; `changes` holds only those fields, with new values.',
  );

export const priceChangedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    old_price: minorUnitsSchema.positive(),
    new_price: minorUnitsSchema.positive(),
    currency: currencySchema,
    changed_at: isoTime,
  })
  .describe("A product's price changed from old_price to new_price (minor units, same currency).");

export const productDiscontinuedSchema = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    discontinued_at: isoTime,
  })
  .describe('A product was withdrawn from sale: no longer listed, cannot be added to carts, cannot change.');

/** Event type → zod schema of its data (used to validate, and to generate docs/events.md). */
export const catalogEventSchemas = {
  ProductListed: productListedSchema,
  ProductDetailsChanged: productDetailsChangedSchema,
  PriceChanged: priceChangedSchema,
  ProductDiscontinued: productDiscontinuedSchema,
  ...variantEventSchemas,
} as const;

export type ProductListed = DomainEvent<'ProductListed', z.infer<typeof productListedSchema>>;
export type ProductDetailsChanged = DomainEvent<
  'ProductDetailsChanged',
  z.infer<typeof productDetailsChangedSchema>
>;
export type PriceChanged = DomainEvent<'PriceChanged', z.infer<typeof priceChangedSchema>>;
export type ProductDiscontinued = DomainEvent<
  'ProductDiscontinued',
  z.infer<typeof productDiscontinuedSchema>
>;

export type ProductEvent =
  | ProductListed
  | ProductDetailsChanged
  | PriceChanged
  | ProductDiscontinued
  | VariantEvent;
export type CatalogEvent = ProductEvent;
