import { z } from 'zod';
import { count, envelope, instant, laterVersion, productId, reservationId, variantId } from './envelope.ts';

/**
 * A variant's stock is its own, published at version 2 of each type: with variant_id, the levels are
 * that variant's (keyed still by the product). Version 1 is a product's own stock, as it always was
 * (variant-versions.ts).
 */
const variant = {
  variant_id: variantId.describe("the variant whose stock this is: the levels are the variant's"),
};

/** Levels after the fact; `available` = on_hand − reserved, what can still be sold. */
const levels = {
  on_hand: count.describe('units on hand after this event'),
  reserved: count.describe('units held by active reservations after this event'),
  available: count.describe('on_hand − reserved after this event'),
};

export const StockLevelChanged = z
  .strictObject({
    ...envelope('StockLevelChanged'),
    product_id: productId,
    reason: z
      .enum(['received', 'adjusted', 'reserved', 'released', 'expired', 'committed', 'returned'])
      .describe('what moved the levels'),
    ...levels,
  })
  .describe(
    'The stock levels of a product changed (one per inventory fact); carries the available quantity.',
  );

const reservation = (quantityMeaning: string) => ({
  product_id: productId,
  reservation_id: reservationId,
  quantity: z.number().int().positive().describe(quantityMeaning),
  ...levels,
});

export const StockReserved = z
  .strictObject({
    ...envelope('StockReserved'),
    ...reservation('units held'),
    expires_at: instant.describe('when the hold lapses unless committed or released'),
  })
  .describe('Units of a product were held for a checkout.');

export const ReservationReleased = z
  .strictObject({ ...envelope('ReservationReleased'), ...reservation('units given back') })
  .describe('A hold was given back before it lapsed (customer, or a failed checkout).');

export const ReservationExpired = z
  .strictObject({ ...envelope('ReservationExpired'), ...reservation('units given back') })
  .describe('A hold lapsed without an order paying for it.');

export const ReservationCommitted = z
  .strictObject({ ...envelope('ReservationCommitted'), ...reservation('units sold') })
  .describe('A paid order took its held units: they left stock.');

/** Version 2 of a stock fact: the same fact about one variant's stock. */
const ofVariant = <S extends z.ZodObject>(schema: S, type: string) =>
  laterVersion(schema, type, 2, variant, 'of one variant');

export const inventoryVariantSchemas = {
  StockLevelChanged: ofVariant(StockLevelChanged, 'StockLevelChanged'),
  StockReserved: ofVariant(StockReserved, 'StockReserved'),
  ReservationReleased: ofVariant(ReservationReleased, 'ReservationReleased'),
  ReservationExpired: ofVariant(ReservationExpired, 'ReservationExpired'),
  ReservationCommitted: ofVariant(ReservationCommitted, 'ReservationCommitted'),
} as const;

export const inventoryTopicSchemas = {
  StockLevelChanged,
  StockReserved,
  ReservationReleased,
  ReservationExpired,
  ReservationCommitted,
} as const;
