import type { CurrentProducts } from '../cart/commands.ts';
import { DomainError, ErrorCode } from '../shared/errors.ts';
import { itemKey, notForSale } from '../shared/line-key.ts';
import type { CheckoutLine } from './events.ts';

/** A reserved line whose price moved: what the customer was shown, and the catalog's price now. */
export type LinePriceChange = {
  productId: string;
  productName: string;
  old: number;
  now: number;
  currency: string;
};

/**
 * Before an order is placed on a reservation, each line is checked against the catalog as it is now: a
 * discontinued (or unlisted) product stops the order (409 BIZ_4006 naming the lines); a price that
 * differs from the one the customer was shown (the cart's line, else the reservation's snapshot) is
 * returned, for the caller to reprice the cart and answer 409 BIZ_4005.
 */
export function checkReservedLines(
  items: readonly CheckoutLine[],
  products: CurrentProducts,
  /** The price shown for a line, by itemKey. */
  shownPrice: (key: string) => number | undefined,
): LinePriceChange[] {
  const gone = items.filter((item) => {
    const product = products[itemKey(item)];
    return !product || product.discontinued;
  });
  if (gone.length > 0)
    throw new DomainError(
      ErrorCode.IllegalStateTransition,
      `Cannot order: ${gone.map(itemKey).join(', ')} no longer for sale`,
      gone.map((item) => notForSale(itemKey(item), item.product_name, item.sku)),
    );
  return items.flatMap((item) => {
    const product = products[itemKey(item)]!;
    const shown = shownPrice(itemKey(item)) ?? item.unit_price;
    if (product.price === shown) return [];
    return [
      {
        productId: item.product_id,
        productName: item.product_name,
        old: shown,
        now: product.price,
        currency: product.currency,
      },
    ];
  });
}
