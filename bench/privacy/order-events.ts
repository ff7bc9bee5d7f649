import { randomUUID } from 'node:crypto';

const address = {
  street: '1 Bench Street',
  city: 'Leeds',
  state: 'WY',
  postal_code: 'LS1 1AA',
  country: 'GB',
};

/** The privacy benches' OrderPlaced: order n of customer n % customers, both addresses personal data. */
export const orderPlaced = (n: number, customers: number) => ({
  id: randomUUID(),
  type: 'OrderPlaced',
  data: {
    schema_version: 1,
    order_id: `ord_bench${n}`,
    user_id: `usr_bench${n % customers}`,
    reservation_id: `rsv_bench${n}`,
    items: [{ product_id: 'prd_bench', product_name: 'Mug', quantity: 1, unit_price: 950, subtotal: 950 }],
    currency: 'USD',
    subtotal: 950,
    tax: 76,
    shipping_cost: 1000,
    total: 2026,
    pricing: { tax_rate: { numerator: 8, denominator: 100 }, shipping_flat: 1000, free_shipping_over: 10000 },
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token_hint: '****4242' },
    placed_at: '2026-12-01T10:05:00.000Z',
  },
  metadata: { correlation_id: randomUUID(), user_id: `usr_bench${n % customers}` },
});
