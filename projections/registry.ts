import { SpanKind } from '@opentelemetry/api';
import type { Projection } from '../application/projection-runner/types.ts';
import { positionToString } from '../infra/eventstore/position.ts';
import { inSpan, linksFrom, shopTracer, traceProjection } from '../infra/telemetry/index.ts';
import { cartProjection } from './cart/cart-projection.ts';
import { catalogProjection } from './catalog/catalog-projection.ts';
import { inventoryProjection } from './inventory/inventory-projection.ts';
import { ordersProjection } from './orders/orders-projection.ts';
import { pricingProjection } from './pricing/pricing-projection.ts';
import { recommendationsProjection } from './recommendations/recommendations-projection.ts';
import { usersProjection } from './users/users-projection.ts';
import { variantsProjection } from './variants/variants-projection.ts';

/**
 * Traces a projection: each event it applies runs in a span linked to the span of the command that
 * appended it (the traceparent in the event's metadata). A set-based `applyBatch` applies many events
 * in one call, so it runs in one `projection.apply_batch <name>` span linked to the commands behind its
 * events (up to 32) instead: a child of the runner's batch span when there is one, else a trace of its own.
 */
export function traced<P extends Projection>(projection: P): P {
  const withApply = traceProjection(projection) as P;
  if (withApply.kind !== 'postgres' || !withApply.applyBatch) return withApply;
  const applyBatch = withApply.applyBatch.bind(withApply);
  return {
    ...withApply,
    applyBatch: (events, trx, context) => {
      const last = events[events.length - 1];
      return inSpan(
        shopTracer(),
        `projection.apply_batch ${projection.name}`,
        {
          kind: SpanKind.CONSUMER,
          links: linksFrom(events.map((event) => event.metadata.traceparent)),
          attributes: {
            'projection.name': projection.name,
            'projection.batch_size': events.length,
            ...(last ? { 'projection.to_position': positionToString(last.position) } : {}),
          },
        },
        () => applyBatch(events, trx, context),
      );
    },
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
  usersProjection,
  recommendationsProjection,
  pricingProjection,
  variantsProjection,
].map((projection) => traced<Projection>(projection));

export const findProjection = (name: string, all: readonly Projection[] = projections): Projection => {
  const found = all.find((p) => p.name === name);
  if (!found) throw new Error(`unknown projection ${name}; known: ${all.map((p) => p.name).join(', ')}`);
  return found;
};
