import type { z } from 'zod';
import { inventoryVariantSchemas } from './inventory-events.ts';
import { CheckoutStartedV2, OrderPlacedV3 } from './order-events.ts';
import type { IntegrationEventType } from './topics.ts';
import { userVariantSchemas } from './user-events.ts';

/**
 * The version at which each type publishes a fact that names a product variant: a variant's stock
 * (its levels are the variant's, still keyed by the product) or a line of a variant. A fact with no
 * variant is published at the type's own version, field for field as before variants existed. Variants
 * came in a later wave: had their fields joined the earlier versions, a consumer validating against
 * those closed schemas would refuse the messages, and one that ignores unknown fields would take a
 * variant's stock levels for the product's (docs/analytics.md "Versions").
 */
export const variantVersions: Partial<Record<IntegrationEventType, { version: number; schema: z.ZodType }>> =
  {
    ...Object.fromEntries(
      Object.entries({ ...inventoryVariantSchemas, ...userVariantSchemas }).map(([type, schema]) => [
        type,
        { version: 2, schema },
      ]),
    ),
    CheckoutStarted: { version: 2, schema: CheckoutStartedV2 },
    OrderPlaced: { version: 3, schema: OrderPlacedV3 },
  };

/** Whether a fact's fields name a variant: its own `variant_id`, or one of its lines'. */
export function namesVariant(fields: Record<string, unknown>): boolean {
  if (typeof fields.variant_id === 'string') return true;
  const { items } = fields;
  return (
    Array.isArray(items) &&
    items.some((item) => typeof (item as { variant_id?: unknown }).variant_id === 'string')
  );
}
