import { toMajorUnits } from '../domain/shared/money.ts';
import type { ListedRow, ProductDetailRow, SearchRow } from './catalog-queries.ts';

// Ratings and review counts stay 0 until a reviews context exists; the columns are there for it.
const rating = (text: string) => Number(text);

export const listedProduct = (row: ListedRow) => ({
  product_id: row.product_id,
  name: row.name,
  description: row.description,
  price: toMajorUnits(Number(row.price)),
  currency: row.currency,
  category: row.category,
  brand: row.brand,
  stock_quantity: row.available,
  in_stock: row.available > 0,
  images: row.images,
  rating: rating(row.rating),
  reviews_count: row.reviews_count,
});

/** A discontinued product can still be fetched by id (old orders link to it); it is never in stock. */
export const productDetail = (row: ProductDetailRow) => ({
  product_id: row.product_id,
  name: row.name,
  description: row.description,
  long_description: row.long_description,
  price: toMajorUnits(Number(row.price)),
  currency: row.currency,
  category: row.category,
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
