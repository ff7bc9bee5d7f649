import { z } from 'zod';
import { specificationsSchema } from '../../infra/http/catalog-schema.ts';
import { currency, instant, money } from '../../infra/http/response-fields.ts';

/** The product as productBody (product-body.ts) answers every catalog command. */
export const productResponseSchema = z
  .object({
    product_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    long_description: z.string().nullable(),
    price: money,
    currency,
    category: z.string(),
    subcategory: z.string().nullable(),
    brand: z.string().nullable(),
    sku: z.string().nullable(),
    images: z.array(z.string()),
    specifications: specificationsSchema,
    status: z.enum(['listed', 'discontinued']),
    stock_quantity: z.number().int().describe('available now'),
    in_stock: z.boolean(),
    created_at: instant,
    updated_at: instant,
    discontinued_at: instant.nullable(),
  })
  .meta({ id: 'Product' });

/** A category as categoryBody (category-commands.ts) answers POST and PUT /categories. */
export const categoryResponseSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    parent_slug: z.string().nullable(),
    path: z.array(z.string()).describe('slugs from the root down to this category'),
  })
  .meta({ id: 'Category' });
