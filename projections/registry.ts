import { shopTracer, traceBatch, traceProjection } from '../infra/telemetry/index.ts';
import { cartProjection } from './cart/cart-projection.ts';
import { catalogProjection } from './catalog/catalog-projection.ts';
import { inventoryProjection } from './inventory/inventory-projection.ts';
import { ordersProjection } from './orders/orders-projection.ts';
import { recommendationsProjection } from './recommendations/recommendations-projection.ts';
import type { Projection } from './runner/types.ts';

/**
 * Traces a projection: each event it applies runs in a span linked to the span of the command that
 * appended it (the traceparent in the event's metadata). A set-based `applyBatch` applies many events
 * in one call, so it runs in one batch span linked to the commands behind its events instead.
 */
export function traced<P extends Projection>(projection: P): P {
  const withApply = traceProjection(projection) as P;
  if (withApply.kind !== 'postgres' || !withApply.applyBatch) return withApply;
  const applyBatch = withApply.applyBatch.bind(withApply);
  return {
    ...withApply,
    applyBatch: (events, trx, context) =>
      traceBatch(shopTracer(), projection.name, events, undefined, () => applyBatch(events, trx, context)),
  };
}

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
].map((projection) => traced<Projection>(projection));

export const findProjection = (name: string, all: readonly Projection[] = projections): Projection => {
  const found = all.find((p) => p.name === name);
  if (!found) throw new Error(`unknown projection ${name}; known: ${all.map((p) => p.name).join(', ')}`);
  return found;
};
