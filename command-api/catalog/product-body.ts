import type { ListedProduct } from '../../domain/catalog/product.ts';
import { available, type StockState, stockView } from '../../domain/inventory/stock.ts';
import { apiMoney } from './money-input.ts';

/**
 * The full product as the command API answers it: every descriptive field (snake_case), the price
 * as a two-decimal number, the stock now (`stock_quantity` = available, as the query API shows it)
 * and the timestamps.
 */
export function productBody(product: ListedProduct, stock: StockState) {
  const { details } = product;
  return {
    product_id: product.productId,
    name: details.name,
    description: details.description,
    long_description: details.longDescription,
    price: apiMoney(product.price),
    currency: product.currency,
    category: details.category,
    subcategory: details.subcategory,
    brand: details.brand,
    sku: details.sku,
    images: details.images,
    specifications: details.specifications,
    status: product.status,
    stock_quantity: available(stock),
    in_stock: available(stock) > 0,
    created_at: product.listedAt,
    updated_at: product.updatedAt,
    discontinued_at: product.discontinuedAt,
  };
}

/** API.md's stock levels body: `{product_id, on_hand, reserved, available}`. */
export const stockBody = (productId: string, stock: StockState) => ({
  product_id: productId,
  ...(stock.variantId ? { variant_id: stock.variantId } : {}),
  ...stockView(stock),
});
