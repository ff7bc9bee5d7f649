import { z } from 'zod';
import { idSchema, type VariantId } from '../shared/ids.ts';

/** Streams of this context are `stock-<productId>`; docs/events.md is generated from the schemas below. */
export const inventoryStreamCategory = 'stock';

// v2 adds `variant_id`: stock kept per variant, in its own stream `stock-<product_id>~<variant_id>`.
// A product without variants keeps writing v1 (its shape unchanged, so every consumer of it is too);
// readers take both through upcastStockData below.
const schemaVersion = z
  .union([z.literal(1), z.literal(2)])
  .describe('version of this event data shape: 1 product-level stock, 2 adds variant_id');
const productId = idSchema('product').describe('the product this stock item counts');
const variantId = idSchema('variant')
  .optional()
  .describe('v2 only: the variant whose stock this counts (absent in v1: the product itself)');
const reservationId = idSchema('reservation').describe(
  'the reservation, shared by every line of one checkout',
);
const count = z.number().int().nonnegative();
// Every event carries the levels after it, so a read model can set them without folding the stream.
const levels = {
  on_hand: count.describe('units physically on hand after this event'),
  reserved: count.describe('units held by active reservations after this event'),
};
const instant = z.iso.datetime({ offset: true });

export const StockReceived = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    quantity: z.number().int().positive().describe('units received'),
    ...levels,
  })
  .describe('Goods arrived; on hand grew by quantity.');

export const StockAdjusted = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    quantity: z.number().int().describe('signed correction applied to on hand'),
    reason: z.string().min(1).describe('why the count was corrected'),
    ...levels,
  })
  .describe('On hand was corrected by hand (count, breakage, loss); never below what is reserved.');

export const StockReserved = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units held'),
    expires_at: instant.describe('when the hold lapses unless committed or released first'),
    ...levels,
  })
  .describe('Units were held for a checkout until expires_at; available shrank, on hand did not.');

export const ReservationReleased = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units given back'),
    ...levels,
  })
  .describe(
    'A reservation was given back before it lapsed (customer or compensation); its units are available again.',
  );

export const ReservationExpired = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units given back'),
    expires_at: instant.describe('the expiry that lapsed'),
    ...levels,
  })
  .describe('A reservation lapsed at its expiry without being committed; its units are available again.');

export const ReservationCommitted = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units sold'),
    ...levels,
  })
  .describe('A paid order took its reserved units: they left on hand and reserved together.');

export const CommittedStockReturned = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    variant_id: variantId,
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units back on hand'),
    ...levels,
  })
  .describe('A paid order was cancelled; the units its reservation committed came back on hand.');

/** Every inventory event type and its schema. */
export const inventoryEventSchemas = {
  StockReceived,
  StockAdjusted,
  StockReserved,
  ReservationReleased,
  ReservationExpired,
  ReservationCommitted,
  CommittedStockReturned,
} as const;

export type InventoryEventType = keyof typeof inventoryEventSchemas;
export type StockEvent = {
  [K in InventoryEventType]: { type: K; data: z.infer<(typeof inventoryEventSchemas)[K]> };
}[InventoryEventType];
/** The event of one type, e.g. `StockEventOf<'StockReserved'>`. */
export type StockEventOf<K extends InventoryEventType> = Extract<StockEvent, { type: K }>;

/** Upcasts any stored stock event data to the v2 reading: `variant_id` null for product-level stock (v1). */
export function upcastStockData<D extends { schema_version: 1 | 2; variant_id?: string | undefined }>(
  data: D,
): Omit<D, 'schema_version' | 'variant_id'> & { schema_version: 2; variant_id: VariantId | null } {
  return { ...data, schema_version: 2, variant_id: (data.variant_id as VariantId | undefined) ?? null };
}
