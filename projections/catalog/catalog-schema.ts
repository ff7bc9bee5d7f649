import type { Generated } from 'kysely';
import { reviewsDdl } from './review-rows.ts';

/** Row types of the catalog read model (one schema per generation: `rm_catalog_g<N>`). */
export type ProductRow = {
  product_id: string;
  name: string;
  description: string | null;
  long_description: string | null;
  /** Minor units. */
  price: string;
  currency: string;
  /** The text the product's events name its category by. */
  category: string;
  /** The category that text resolves to (category-names.ts), at the time the event was applied. */
  category_slug: string;
  subcategory: string | null;
  brand: string | null;
  sku: string | null;
  images: string[];
  specifications: Record<string, unknown>;
  rating: Generated<string>;
  reviews_count: Generated<number>;
  discontinued: Generated<boolean>;
  /** Revision of the product stream this row reflects: an older event never overwrites a newer one. */
  revision: string;
  created_at: Date;
  updated_at: Date;
};

/**
 * The category tree, and categories that products name but no CategoryCreated made (events written before
 * the tree existed: `explicit` false, at the root). `product_count` counts the listed products filed
 * directly here; queries add the descendants'.
 */
export type CategoryRow = {
  slug: string;
  name: string;
  parent_slug: string | null;
  explicit: boolean;
  product_count: number;
};

export type CatalogTables = { products: ProductRow; categories: CategoryRow };

/**
 * The search document weighs the name most, then brand and category, then the descriptions. `english`
 * stemming makes `headphone` match "Headphones"; the GIN index serves `@@`. A SKU is matched exactly (any
 * case) beside it, through `products_sku_idx` here and the variants read model's `variants_sku`.
 * `products_rating_idx` holds the whole `sort_by=rating` order (rating, then review count, then id) and the
 * listing's category and price filters, so a category listing by rating walks it and stops at the page
 * (docs/search.md).
 */
export const catalogDdl = (schema: string) => `
CREATE TABLE ${schema}.products (
  product_id text PRIMARY KEY,
  name text NOT NULL,
  description text,
  long_description text,
  price bigint NOT NULL,
  currency text NOT NULL,
  category text NOT NULL,
  category_slug text NOT NULL,
  subcategory text,
  brand text,
  sku text,
  images jsonb NOT NULL DEFAULT '[]',
  specifications jsonb NOT NULL DEFAULT '{}',
  rating numeric(3, 2) NOT NULL DEFAULT 0,
  reviews_count integer NOT NULL DEFAULT 0,
  discontinued boolean NOT NULL DEFAULT false,
  revision bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', name), 'A') ||
    setweight(to_tsvector('english', coalesce(brand, '')), 'B') ||
    setweight(to_tsvector('english', category || ' ' || coalesce(subcategory, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(long_description, '')), 'D')
  ) STORED
);
CREATE INDEX products_search_idx ON ${schema}.products USING gin (search);
CREATE INDEX products_category_idx ON ${schema}.products (category_slug) WHERE NOT discontinued;
CREATE INDEX products_price_idx ON ${schema}.products (price, product_id) WHERE NOT discontinued;
CREATE INDEX products_newest_idx ON ${schema}.products (created_at DESC, product_id) WHERE NOT discontinued;
CREATE INDEX products_name_idx ON ${schema}.products (name, product_id) WHERE NOT discontinued;
CREATE INDEX products_rating_idx ON ${schema}.products (rating DESC, reviews_count DESC, product_id)
  INCLUDE (category_slug, price) WHERE NOT discontinued;
CREATE INDEX products_category_rating_idx ON ${schema}.products
  (category_slug, rating DESC, reviews_count DESC, product_id) WHERE NOT discontinued;
CREATE INDEX products_sku_idx ON ${schema}.products (upper(sku)) WHERE sku IS NOT NULL;
CREATE TABLE ${schema}.categories (
  slug text PRIMARY KEY,
  name text NOT NULL,
  parent_slug text,
  explicit boolean NOT NULL,
  product_count integer NOT NULL DEFAULT 0
);
${reviewsDdl(schema)}`;
