import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { currencySchema, minorUnitsSchema } from '../shared/money.ts';

/** Events of this context live in streams `product-<productId>`. */
export const catalogStreamCategory = 'product';

const isoTime = z.iso.datetime({ offset: true });
const productId = idSchema('product');
const nullableText = z.string().nullable();

const details = {
  name: z.string().min(1).max(255),
  description: nullableText,
  longDescription: nullableText,
  category: z.string().min(1),
  subcategory: nullableText,
  brand: nullableText,
  sku: nullableText,
  images: z.array(z.string()),
  specifications: z.record(z.string(), z.json()),
};

export const productListedSchema = z
  .object({
    schema_version: z.literal(1),
    productId,
    ...details,
    price: minorUnitsSchema.positive(),
    currency: currencySchema,
    listedAt: isoTime,
  })
  .describe('A product was put in the catalog with its full description and its price (minor units).');

export const productDetailsChangedSchema = z
  .object({
    schema_version: z.literal(1),
    productId,
    // Only the fields that changed, with their new values; null clears an optional field.
    changes: z.object(details).partial(),
    changedAt: isoTime,
  })
  .describe(
    'Some descriptive fields of a product changed; `changes` holds only those fields, with new values.',
  );

export const priceChangedSchema = z
  .object({
    schema_version: z.literal(1),
    productId,
    oldPrice: minorUnitsSchema.positive(),
    newPrice: minorUnitsSchema.positive(),
    currency: currencySchema,
    changedAt: isoTime,
  })
  .describe("A product's price changed from oldPrice to newPrice (minor units, same currency).");

export const productDiscontinuedSchema = z
  .object({
    schema_version: z.literal(1),
    productId,
    discontinuedAt: isoTime,
  })
  .describe('A product was withdrawn from sale: no longer listed, cannot be added to carts, cannot change.');

/** Event type → zod schema of its data (used to validate, and to generate docs/events.md). */
export const catalogEventSchemas = {
  ProductListed: productListedSchema,
  ProductDetailsChanged: productDetailsChangedSchema,
  PriceChanged: priceChangedSchema,
  ProductDiscontinued: productDiscontinuedSchema,
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

export type ProductEvent = ProductListed | ProductDetailsChanged | PriceChanged | ProductDiscontinued;
export type CatalogEvent = ProductEvent;
