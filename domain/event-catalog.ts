import type { z } from 'zod';
import { cartEventSchemas, cartStreamCategory } from './cart/events.ts';
import { categoryEventSchemas, categoryTreeStream } from './catalog/category-events.ts';
import { catalogEventSchemas, catalogStreamCategory } from './catalog/events.ts';
import { checkoutEventSchemas, checkoutStreamCategory } from './checkout/events.ts';
import { accountTokenEventSchemas, accountTokenStreamCategory } from './identity/account-token.ts';
import { emailStreamCategory } from './identity/email.ts';
import {
  credentialsStreamCategory,
  identityEventSchemas,
  identityStreamCategory,
} from './identity/events.ts';
import { userLifecycleEventSchemas } from './identity/lifecycle-events.ts';
import { inventoryEventSchemas, inventoryStreamCategory } from './inventory/events.ts';
import { orderingEventSchemas, orderingStreamCategory } from './ordering/events.ts';
import { upcastOrderPlaced } from './ordering/upcast.ts';
import {
  couponEventSchemas,
  couponStreamCategory,
  customerTierEventSchemas,
  customerTierStreamCategory,
  pricingRuleEventSchemas,
  pricingRuleStreamCategory,
} from './pricing/events.ts';
import { reviewEventSchemas, reviewStreamCategory, upcastReviewSubmitted } from './reviews/events.ts';

export type EventCatalogEntry = {
  context: string;
  /** The stream each of these events is appended to, as a pattern. */
  stream: string;
  schemas: Record<string, z.ZodType>;
};

const {
  UserRegistered,
  UserProfileChanged,
  UserRoleGranted,
  UserErased,
  EmailClaimed,
  EmailReleased,
  PasswordSet,
} = identityEventSchemas;

/** Every domain event type, grouped by the stream it lives in: the source of docs/events.md. */
export const eventCatalog: EventCatalogEntry[] = [
  { context: 'catalog', stream: `${catalogStreamCategory}-<product_id>`, schemas: catalogEventSchemas },
  { context: 'catalog', stream: categoryTreeStream, schemas: categoryEventSchemas },
  { context: 'reviews', stream: `${reviewStreamCategory}-<review_id>`, schemas: reviewEventSchemas },
  { context: 'inventory', stream: `${inventoryStreamCategory}-<product_id>`, schemas: inventoryEventSchemas },
  { context: 'cart', stream: `${cartStreamCategory}-<user_id or gst_…>`, schemas: cartEventSchemas },
  { context: 'ordering', stream: `${orderingStreamCategory}-<order_id>`, schemas: orderingEventSchemas },
  {
    context: 'checkout',
    stream: `${checkoutStreamCategory}-<reservation_id>`,
    schemas: checkoutEventSchemas,
  },
  {
    context: 'identity',
    stream: `${identityStreamCategory}-<user_id>`,
    schemas: {
      UserRegistered,
      UserProfileChanged,
      UserRoleGranted,
      UserErased,
      ...userLifecycleEventSchemas,
    },
  },
  {
    context: 'identity',
    stream: `${emailStreamCategory}-<HMAC-SHA256 of normalised email>`,
    schemas: { EmailClaimed, EmailReleased },
  },
  { context: 'identity', stream: `${credentialsStreamCategory}-<user_id>`, schemas: { PasswordSet } },
  { context: 'pricing', stream: `${pricingRuleStreamCategory}-<rule_id>`, schemas: pricingRuleEventSchemas },
  { context: 'pricing', stream: `${couponStreamCategory}-<CODE>`, schemas: couponEventSchemas },
  {
    context: 'pricing',
    stream: `${customerTierStreamCategory}-<user_id>`,
    schemas: customerTierEventSchemas,
  },
  {
    context: 'identity',
    stream: `${accountTokenStreamCategory}-<sha256 of the token>`,
    schemas: accountTokenEventSchemas,
  },
];

/** All domain event schemas by type. */
export const domainEventSchemas: Record<string, z.ZodType> = Object.assign(
  {},
  ...eventCatalog.map((entry) => entry.schemas),
);

/**
 * Upcasters by event type: an older `schema_version` read as the current one (events are never
 * rewritten). A reader that validates against domainEventSchemas passes the data through `upcast` first.
 * Types whose schemas accept every version they were written in have none here: the stock events (1
 * product-level, 2 with `variant_id`) are read as both, and only the stock decider folds them through
 * `upcastStockData` (variant_id null for version 1); the cart events likewise accept 1 and 2.
 */
export const domainUpcasters: Readonly<Record<string, (data: never) => unknown>> = {
  ReviewSubmitted: upcastReviewSubmitted,
  OrderPlaced: upcastOrderPlaced,
};

export const upcast = (type: string, data: unknown): Record<string, unknown> =>
  (domainUpcasters[type]?.(data as never) ?? data) as Record<string, unknown>;

const schemaVersionOf = (schema: z.ZodType) =>
  (schema as { shape?: Record<string, z.ZodType | undefined> }).shape?.schema_version;

/**
 * The newest `schema_version` this code reads of each type (probed from its schema: 1 to 100).
 * An event above it was written by newer code, e.g. by an upgraded command API while a projection of
 * the previous version still runs.
 */
export const newestKnownVersions: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(domainEventSchemas).flatMap(([type, schema]) => {
    const field = schemaVersionOf(schema);
    const known = Array.from({ length: 100 }, (_, i) => i + 1).filter((v) => field?.safeParse(v).success);
    // None, or all of them (a field that takes any number): no newest to compare with.
    return known.length > 0 && known.length < 100 ? [[type, Math.max(...known)]] : [];
  }),
);

/** Whether this event's data is of a newer version of its type than this code reads. */
export function writtenByNewerCode(type: string, data: unknown): boolean {
  const newest = newestKnownVersions[type];
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  return newest !== undefined && typeof version === 'number' && version > newest;
}

/** A decider produced an event its own schema refuses: a defect in the code, never stored. */
export class InvalidEvent extends Error {
  constructor(
    readonly eventType: string,
    /** The paths of the fields that failed (no values: the data may hold personal fields). */
    readonly fields: string[],
  ) {
    super(`${eventType} does not match its schema (${fields.join(', ')})`);
    this.name = 'InvalidEvent';
  }
}

/**
 * Checks an event about to be written against the current schema of its type (types outside the catalog
 * pass): events are forever, so one its readers will refuse must never be stored.
 */
export function requireValidEvent(type: string, data: unknown): void {
  const schema = domainEventSchemas[type];
  if (!schema) return;
  const result = schema.safeParse(data);
  if (!result.success)
    throw new InvalidEvent(
      type,
      result.error.issues.map((issue) => issue.path.map(String).join('.') || '(data)'),
    );
}
