import { z } from 'zod';
import { categoryPathSchema, specificationsSchema } from '../infra/http/catalog-schema.ts';
import { currency, instant, money, paginationSchema } from '../infra/http/response-fields.ts';

/** What the catalog routes answer, as presenters.ts and routes/catalog-routes.ts build it. */

const rating = z.number().describe('average of the published reviews, two decimals; 0 with none');

export const listedProductSchema = z
  .object({
    product_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    price: money,
    currency,
    category: z.string(),
    category_path: categoryPathSchema,
    brand: z.string().nullable(),
    stock_quantity: z.number().int().describe('available now'),
    in_stock: z.boolean(),
    images: z.array(z.string()),
    rating,
    reviews_count: z.number().int(),
  })
  .meta({ id: 'ListedProduct' });

/** What a product with active variants adds (query-api/variant-presenters.ts); absent without them. */
const priceRange = z.object({ min: money, max: money }).describe('what the active variants cost');
const variantOfProduct = z.object({
  variant_id: z.string(),
  sku: z.string(),
  options: z.record(z.string(), z.string()),
  price: money,
  stock_quantity: z.number().int(),
  in_stock: z.boolean(),
});

export const listedProductWithVariantsSchema = listedProductSchema
  .extend({ price_range: priceRange.optional() })
  .meta({ id: 'ListedProductWithVariants' });

export const productListSchema = z.object({
  products: z.array(listedProductWithVariantsSchema),
  pagination: paginationSchema,
});

const facet = z.object({ value: z.string(), count: z.number().int() });
export const searchResponseSchema = z.object({
  query: z.string(),
  results: z.array(
    z.object({
      product_id: z.string(),
      name: z.string(),
      price: money,
      currency,
      image: z.string().nullable(),
      rating,
      relevance_score: z.number(),
    }),
  ),
  pagination: paginationSchema,
  facets: z.object({
    categories: z.array(facet.extend({ slug: z.string() })).describe('top-level categories'),
    brands: z.array(facet),
    price_ranges: z.array(facet),
    ratings: z.array(facet),
  }),
});

export const productDetailSchema = listedProductSchema
  .extend({
    long_description: z.string().nullable(),
    subcategory: z.string().nullable(),
    sku: z.string().nullable(),
    specifications: specificationsSchema,
    discontinued: z.boolean(),
    created_at: instant,
    updated_at: instant,
    price_range: priceRange.optional(),
    options: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .describe('each option name with its values'),
    variants: z.array(variantOfProduct).optional(),
  })
  .meta({ id: 'ProductDetail' });

type CategoryNode = { slug: string; name: string; product_count: number; children: CategoryNode[] };
const categoryNode: z.ZodType<CategoryNode> = z
  .object({
    slug: z.string(),
    name: z.string(),
    product_count: z.number().int().describe("this category's products and its descendants'"),
    get children() {
      return z.array(categoryNode);
    },
  })
  .meta({ id: 'CategoryNode' });
export const categoriesResponseSchema = z.object({ categories: z.array(categoryNode) });

export const reviewsResponseSchema = z.object({
  reviews: z.array(
    z.object({
      review_id: z.string(),
      product_id: z.string(),
      // No user_id: the listing answers anyone, and an id beside a name would tie the name to the
      // pseudonymous id that events, logs and Kafka carry (docs/privacy.md).
      author_name: z
        .string()
        .nullable()
        .describe('"Ada L."; "[erased]" once the author is erased; null for reviews older than names'),
      rating: z.number().int(),
      title: z.string(),
      body: z.string(),
      status: z.string(),
      verified_purchase: z.boolean(),
      created_at: instant,
      updated_at: instant,
    }),
  ),
  rating_summary: z.object({
    average: z.number(),
    count: z.number().int(),
    distribution: z.record(z.string(), z.number().int()).describe('count per rating, "1".."5"'),
  }),
  pagination: paginationSchema,
});

export const boughtTogetherResponseSchema = z.object({
  products: z.array(
    z.object({ product_id: z.string(), name: z.string(), price: money, currency, confidence: z.number() }),
  ),
});

export const recommendationsResponseSchema = z.object({
  recommendations: z.array(
    z.object({ product: listedProductWithVariantsSchema, score: z.number(), reason: z.string() }),
  ),
  type: z.enum(['popular', 'personalized']),
  generated_at: instant,
});
