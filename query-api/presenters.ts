import { toMajorUnits } from '../domain/shared/money.ts';
import type { VariantRow } from '../projections/variants/variants-projection.ts';
import type { Facet, ListedRow, ProductDetailRow, SearchRow } from './catalog-queries.ts';
import type { CategoryTree } from './category-tree.ts';
import { variantFields } from './variant-presenters.ts';

// The average of the published reviews, two decimals; 0 with no review.
const rating = (text: string) => Number(text);

/** A listing's product; with active variants it adds `price_range` and counts their stock. */
export const listedProduct = (row: ListedRow, tree: CategoryTree, variants: readonly VariantRow[] = []) => {
  const added = variantFields(Number(row.price), variants);
  const base = listedBase(row, tree);
  return added
    ? {
        ...base,
        stock_quantity: added.stock_quantity,
        in_stock: added.in_stock,
        price_range: added.price_range,
      }
    : base;
};

const listedBase = (row: ListedRow, tree: CategoryTree) => ({
  product_id: row.product_id,
  name: row.name,
  description: row.description,
  price: toMajorUnits(Number(row.price)),
  currency: row.currency,
  category: row.category,
  category_path: tree.path(row.category_slug),
  brand: row.brand,
  stock_quantity: row.available,
  in_stock: row.available > 0,
  images: row.images,
  rating: rating(row.rating),
  reviews_count: row.reviews_count,
});

/** A discontinued product can still be fetched by id (old orders link to it); it is never in stock. */
export const productDetail = (
  row: ProductDetailRow,
  tree: CategoryTree,
  variants: readonly VariantRow[] = [],
) => ({
  product_id: row.product_id,
  name: row.name,
  description: row.description,
  long_description: row.long_description,
  price: toMajorUnits(Number(row.price)),
  currency: row.currency,
  category: row.category,
  category_path: tree.path(row.category_slug),
  subcategory: row.subcategory,
  brand: row.brand,
  sku: row.sku,
  images: row.images,
  specifications: row.specifications,
  stock_quantity: row.discontinued ? 0 : row.available,
  in_stock: !row.discontinued && row.available > 0,
  discontinued: row.discontinued,
  rating: rating(row.rating),
  reviews_count: row.reviews_count,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  // With active variants: variants, options, price_range, and their stock as the product's.
  ...variantFields(Number(row.price), variants, row.discontinued),
});

export const searchResult = (row: SearchRow) => ({
  product_id: row.product_id,
  name: row.name,
  price: toMajorUnits(Number(row.price)),
  currency: row.currency,
  image: row.image,
  rating: rating(row.rating),
  relevance_score: Math.round(row.rank * 10_000) / 10_000,
});

export const paginationOf = (page: number, limit: number, total: number) => ({
  page,
  limit,
  total_items: total,
  total_pages: Math.ceil(total / limit),
});

/** Search's category facet over the tree's top level: each match counts under its root category. */
export function topLevelFacets(bySlug: readonly Facet[], tree: CategoryTree) {
  const roots = new Map<string, { value: string; slug: string; count: number }>();
  for (const facet of bySlug) {
    const root = tree.root(facet.value) ?? { slug: facet.value, name: facet.value };
    const entry = roots.get(root.slug) ?? { value: root.name, slug: root.slug, count: 0 };
    entry.count += facet.count;
    roots.set(root.slug, entry);
  }
  return [...roots.values()].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}
