/**
 * Where the cart read model lives in Redis (written by projections/cart, read by query-api/cart-queries):
 * a customer's cart document, and a stock item's availability (a product's, or `<product_id>~<variant_id>`
 * for a variant) so each cart line can say `in_stock` without another read model.
 */
export const cartKey = (userId: string) => `cart:${userId}`;
export const stockKey = (key: string) => `stock:${key}`;
