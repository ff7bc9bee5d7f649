import type { CartCoupon } from '../../domain/cart/commands.ts';

/** One line of the cart read model: what GET /cart shows of it; `unitPrice` is the price the cart holds. */
export type CartDocLine = {
  cartItemId: string;
  productId: string;
  productName: string;
  image: string | null;
  unitPrice: number;
  currency: string;
  quantity: number;
  /** The variant on the line (absent: the product itself). */
  variant?: { variantId: string; sku: string; options: Readonly<Record<string, string>> } | null;
};

/**
 * The cart read model's own document, shaped for GET /cart (not the aggregate's state: no checkout
 * bookkeeping). The prices shown are worked out when reading, from the catalog and pricing read
 * models (query-api/cart-pricing.ts), so a price change, a rule or a tier change reaches the view
 * without an event on the cart. Documents written as the folded CartState read as this shape too.
 */
export type CartDoc = {
  cartId: string | null;
  userId: string | null;
  lines: CartDocLine[];
  /** The coupon on the cart with the terms that set its discount, or null (absent in older documents). */
  coupon?: CartCoupon | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** A guest cart merged into a customer's at login: that customer (its token is spent). */
  mergedInto?: string | null;
};

/** A stock item's availability in the cart read model (cart-keys.ts `stockKey`), so a line can say `in_stock`. */
export type StockDoc = { available: number };

/** The document of an owner the read model holds no cart for (yet): what GET /cart then shows. */
export const emptyCartDoc = (): CartDoc => ({
  cartId: null,
  userId: null,
  lines: [],
  coupon: null,
  createdAt: null,
  updatedAt: null,
});
