import type { OrderPlacedData, OrderPlacedV1Data } from './events.ts';

/**
 * OrderPlaced v1 → v2: no coupon (discount 0), each line at its list price with one `base` step. Versions 2
 * and 3 (lines may name a variant) pass through unchanged, so upcasting twice is harmless. The store's edge applies it on every read
 * (infra/eventstore/upcasting.ts); the order's fold applies it too, for a store built without that edge.
 */
export function upcastOrderPlaced(data: OrderPlacedV1Data | OrderPlacedData): OrderPlacedData {
  if (data.schema_version !== 1) return data;
  return {
    ...data,
    schema_version: 2,
    // Tolerant of partial data (a store's edge reads whatever was written): no items, nothing to add.
    items: (data.items ?? []).map((item) => ({
      ...item,
      list_price: item.unit_price,
      steps: [{ step: 'base' as const, label: 'List price', unit_price: item.unit_price }],
    })),
    discount: 0,
    coupon: null,
  };
}
