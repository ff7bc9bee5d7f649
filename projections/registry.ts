import { cartProjection } from './cart/cart-projection.ts';
import { catalogProjection } from './catalog/catalog-projection.ts';
import { inventoryProjection } from './inventory/inventory-projection.ts';
import { ordersProjection } from './orders/orders-projection.ts';
import { recommendationsProjection } from './recommendations/recommendations-projection.ts';
import type { Projection } from './runner/types.ts';

/**
 * Every projection the system runs. A new read model plugs in as one module here (cart, orders and
 * recommendations come this way).
 */
export const projections: readonly Projection[] = [
  catalogProjection,
  inventoryProjection,
  cartProjection,
  ordersProjection,
  recommendationsProjection,
];

export const findProjection = (name: string, all: readonly Projection[] = projections): Projection => {
  const found = all.find((p) => p.name === name);
  if (!found) throw new Error(`unknown projection ${name}; known: ${all.map((p) => p.name).join(', ')}`);
  return found;
};
