import { z } from 'zod';

/**
 * The fields every integration event starts with. The message value is one flat JSON object: these
 * fields, then the event's own. `event_id` is what a consumer dedupes by; the same fact always carries
 * the same id, however often it is redelivered.
 */
export const envelope = <T extends string, V extends number = 1>(type: T, version: V = 1 as V) => ({
  event_id: z.uuid().describe('unique id of this fact; redeliveries carry the same id, so dedupe by it'),
  event_type: z.literal(type).describe('the integration event type (also in the event_type header)'),
  schema_version: z.literal(version).describe('version of this public shape; a breaking change bumps it'),
  occurred_at: z.iso.datetime({ offset: true }).describe('when the fact happened (ISO 8601)'),
});

export const instant = z.iso.datetime({ offset: true });
/** Money is integer minor units (cents) with an ISO 4217 currency beside it, never a float. */
export const minorUnits = z.number().int().describe('amount in minor units of `currency` (e.g. cents)');
export const currency = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .describe('ISO 4217 currency code');
export const count = z.number().int().nonnegative();
export const productId = z.string().regex(/^prd_/).describe('product id (prd_…)');
export const userId = z.string().regex(/^usr_/).describe('user id (usr_…), pseudonymous');
export const orderId = z.string().regex(/^ord_/).describe('order id (ord_…)');
export const reservationId = z.string().regex(/^rsv_/).describe('stock reservation id (rsv_…)');

/**
 * What a line or a stock fact adds for a product sold in variants (sizes, colours), and only then: a
 * product without variants publishes exactly the fields it always did, at the version it always had.
 * A fact that names a variant is published at the type's next version (variant-versions.ts), so a
 * consumer of the earlier one never meets a field its closed schema refuses.
 */
export const variantId = z.string().regex(/^var_/).describe('the variant (var_…)');
export const variantFields = {
  variant_id: variantId
    .optional()
    .describe('the variant (var_…); absent on a line of a product without variants'),
  sku: z.string().optional().describe("the variant's SKU; only with variant_id"),
};
export const variantOptions = z
  .record(z.string(), z.string())
  .optional()
  .describe("the variant's options, e.g. {size: M, color: red}; only with variant_id");

/**
 * The same event at a later version: its schema with `fields` added (or replaced) and the envelope's
 * version moved on, strict as before; `note` says what the version is for.
 */
export const laterVersion = <S extends z.ZodObject>(
  schema: S,
  type: string,
  version: number,
  fields: z.ZodRawShape,
  note: string,
) =>
  schema
    .extend({ ...envelope(type, version), ...fields })
    .describe(`${schema.description} Version ${version}: ${note}.`);
