import { describe, expect, it } from 'vitest';
import { upcast } from '../event-catalog.ts';
import { OrderPlaced, OrderPlacedV1 } from './events.ts';
import { upcastOrderPlaced } from './upcast.ts';

const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};
const v1 = OrderPlacedV1.parse({
  schema_version: 1,
  order_id: 'ord_v1',
  user_id: 'usr_v1',
  reservation_id: 'rsv_v1',
  items: [{ product_id: 'prd_v1', product_name: 'Lamp', quantity: 2, unit_price: 1250, subtotal: 2500 }],
  currency: 'USD',
  subtotal: 2500,
  tax: 200,
  shipping_cost: 1000,
  total: 3700,
  pricing: { tax_rate: { numerator: 8, denominator: 100 }, shipping_flat: 1000, free_shipping_over: 10000 },
  shipping_address: address,
  billing_address: address,
  payment_method: { type: 'card', token_hint: '****visa' },
  placed_at: '2026-12-04T10:00:00.000Z',
});

describe('OrderPlaced v1 → v2', () => {
  it('reads as version 2: no coupon, each line at its price with one base step; totals unchanged', () => {
    const v2 = OrderPlaced.parse(upcast('OrderPlaced', v1));
    expect(v2).toMatchObject({ schema_version: 2, discount: 0, coupon: null, total: 3700, subtotal: 2500 });
    expect(v2.items[0]).toMatchObject({
      unit_price: 1250,
      list_price: 1250,
      steps: [{ step: 'base', label: 'List price', unit_price: 1250 }],
    });
  });

  it('passes version 2 and other event types through unchanged', () => {
    const v2 = upcastOrderPlaced(v1);
    expect(upcastOrderPlaced(v2)).toBe(v2);
    const other = { schema_version: 1, order_id: 'ord_v1' };
    expect(upcast('OrderConfirmed', other)).toBe(other);
  });
});
