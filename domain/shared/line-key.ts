/**
 * What one line of a cart, reservation or order sells, as a key: the product id, or
 * `<product_id>~<variant_id>` for a variant (as its stock stream `stock-<key>` is named). Prices and
 * products now are keyed by it, and multi-stream steps take lines in its order.
 */
export const lineKey = (line: { productId: string; variant?: { variantId: string } | null }) =>
  line.variant ? `${line.productId}~${line.variant.variantId}` : line.productId;

/** lineKey of a stored line (snake_case data: a checkout line, an order item). */
export const itemKey = (item: { product_id: string; variant_id?: string | null | undefined }) =>
  item.variant_id ? `${item.product_id}~${item.variant_id}` : item.product_id;

/** Orders lines by key: every checkout takes stock streams in this one order, so two never deadlock. */
export const byItemKey = (a: Parameters<typeof itemKey>[0], b: Parameters<typeof itemKey>[0]) => {
  const [x, y] = [itemKey(a), itemKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * BIZ_4006's detail for a line no longer for sale, named by its key: a discontinued product, or a variant
 * retired (or gone) while its product stays listed, told by its SKU.
 */
export const notForSale = (key: string, name: string, sku?: string | null) => ({
  field: `items.${key}`,
  message: sku
    ? `${name} (${sku}) is no longer sold; remove it from the cart`
    : `${name} is discontinued; remove it from the cart`,
});
