import { z } from 'zod';
import { currency, envelope, minorUnits, productId } from './envelope.ts';

const nullableText = z.string().nullable();

export const ProductListed = z
  .strictObject({
    ...envelope('ProductListed'),
    product_id: productId,
    name: z.string(),
    category: z.string(),
    subcategory: nullableText,
    brand: nullableText,
    sku: nullableText,
    price: minorUnits,
    currency,
  })
  .describe('A product was put in the catalog at a price.');

export const ProductDetailsChanged = z
  .strictObject({
    ...envelope('ProductDetailsChanged'),
    product_id: productId,
    changed_fields: z
      .array(z.string())
      .describe('every descriptive field that changed (values below for some)'),
    name: z.string().optional().describe('present when it changed'),
    category: z.string().optional().describe('present when it changed'),
    subcategory: nullableText.optional().describe('present when it changed'),
    brand: nullableText.optional().describe('present when it changed'),
    sku: nullableText.optional().describe('present when it changed'),
  })
  .describe('Descriptive fields of a product changed.');

export const PriceChanged = z
  .strictObject({
    ...envelope('PriceChanged'),
    product_id: productId,
    old_price: minorUnits,
    new_price: minorUnits,
    currency,
  })
  .describe("A product's price changed.");

export const ProductDiscontinued = z
  .strictObject({ ...envelope('ProductDiscontinued'), product_id: productId })
  .describe('A product was withdrawn from sale.');

export const catalogTopicSchemas = {
  ProductListed,
  ProductDetailsChanged,
  PriceChanged,
  ProductDiscontinued,
} as const;
