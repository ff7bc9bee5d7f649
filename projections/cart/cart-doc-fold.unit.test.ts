import { describe, expect, it } from 'vitest';
import { emptyCartDoc } from '../../application/read-models/cart-doc.ts';
import type { CartEvent } from '../../domain/cart/events.ts';
import { makeId } from '../../domain/shared/ids.ts';
import { foldCartDoc } from './cart-doc-fold.ts';

const userId = makeId('user', 'u1');
const owner = { schema_version: 1 as const, cart_id: makeId('cart', 'u1'), user_id: userId };
const at = '2026-01-15T10:00:00.000Z';
const line = {
  product_id: makeId('product', 'tee'),
  product_name: 'Tee',
  image: null,
  unit_price: 2_500,
  currency: 'USD',
  quantity: 1,
  line_quantity: 1,
  added_at: at,
};

describe('foldCartDoc and variants', () => {
  it('keeps the variant of a v2 line and none for a v1 line', () => {
    const events: CartEvent[] = [
      {
        type: 'ItemAddedToCart',
        data: {
          ...owner,
          ...line,
          schema_version: 2,
          cart_item_id: makeId('cartItem', 'a'),
          variant_id: makeId('variant', 'm'),
          sku: 'TEE-M',
          variant_options: { size: 'M' },
        },
      },
      { type: 'ItemAddedToCart', data: { ...owner, ...line, cart_item_id: makeId('cartItem', 'b') } },
    ];
    const doc = events.reduce(foldCartDoc, emptyCartDoc());
    expect(doc.lines.map((l) => l.variant ?? null)).toEqual([
      { variantId: makeId('variant', 'm'), sku: 'TEE-M', options: { size: 'M' } },
      null,
    ]);
  });
});
