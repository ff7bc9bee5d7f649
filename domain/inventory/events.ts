import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** Streams of this context are `stock-<productId>`; docs/events.md is generated from the schemas below. */
export const inventoryStreamCategory = 'stock';

const schemaVersion = z.literal(1).describe('version of this event data shape');
const productId = idSchema('product').describe('the product this stock item counts');
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
    quantity: z.number().int().positive().describe('units received'),
    ...levels,
  })
  .describe('Goods arrived; on hand grew by quantity.');

export const StockAdjusted = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
    quantity: z.number().int().describe('signed correction applied to on hand'),
    reason: z.string().min(1).describe('why the count was corrected'),
    ...levels,
  })
  .describe('On hand was corrected by hand (count, breakage, loss); never below what is reserved.');

export const StockReserved = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
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
    reservation_id: reservationId,
    quantity: z.number().int().positive().describe('units sold'),
    ...levels,
  })
  .describe('A paid order took its reserved units: they left on hand and reserved together.');

export const CommittedStockReturned = z
  .object({
    schema_version: schemaVersion,
    product_id: productId,
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
