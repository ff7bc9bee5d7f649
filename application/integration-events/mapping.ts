import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { integrationEventIdFor } from './event-id.ts';
import { domainMappers } from './mappers.ts';
import { integrationSchemaVersions } from './order-events.ts';
import { privateCatalogEvents } from './sample-catalog-events.ts';
import { type IntegrationEventType, integrationEvents, type TopicKind } from './topics.ts';
import { namesVariant, variantVersions } from './variant-versions.ts';

/**
 * Domain event types that are never published, each with the reason. Every domain event type is
 * either in `domainMappers` or here (a unit test holds that for `domainEventSchemas`).
 */
export const privateDomainEvents: Record<string, string> = {
  PasswordSet: 'secret: holds a password hash (credentials stream)',
  EmailClaimed: 'personal: its stream name is derived from the email address',
  EmailReleased: 'personal: its stream name is derived from the email address; UserErased tells the same',
  UserProfileChanged: 'personal: names and phone number, nothing an analyst needs',
  EmailVerificationRequested: 'account lifecycle: only the notifier needs it',
  EmailVerified: 'account lifecycle: only the notifier and the profile need it',
  PasswordResetRequested: 'security: who asked for a reset is nobody else’s business',
  MarketingPreferenceChanged: 'personal: a consent, kept in the account',
  AccountTokenIssued: 'secret-adjacent: its stream name is the hash of a mailed token',
  AccountTokenUsed: 'secret-adjacent: its stream name is the hash of a mailed token',
  CartCreated: 'implied by the first ItemAddedToCart of a cart',
  CheckoutStockReserved: 'workflow internals; StockReserved per product tells the same',
  CheckoutReservationFailed: 'workflow internals; no stock was held (the short lines were released)',
  CheckoutReleased: 'workflow internals; ReservationReleased per product tells the same',
  CheckoutOrderAttached: 'workflow internals; OrderPlaced tells the same',
  CheckoutOrderDetached: 'workflow internals; OrderPaymentFailed tells the same',
  CheckoutCompleted: 'workflow internals; OrderConfirmed and PurchaseCompleted tell the same',
  CheckoutOrderResumed: 'workflow internals; a request took up an attached order',
  CheckoutPaymentPaused: 'workflow internals; the order stays pending, OrderConfirmed follows',
  CheckoutCouponClaimed: 'workflow internals; OrderPlaced names the coupon an order used',
  CartCheckoutBegan: 'cart internals: marks the cart as being checked out; StockReserved tells the stock',
  CartCheckoutEnded: 'cart internals: the checkout ended without an order',
  CartLineRepriced: 'cart internals: a line took the current catalog price (ProductPriceChanged tells it)',
  CartMergedFromGuest: 'cart internals: guest carts are never published, so neither is their merge',
  GuestCartMerged: 'cart internals: guest carts are never published',
  CartExpired: 'cart internals: an idle cart was emptied (no consumer asked for it)',
  CouponAppliedToCart: 'cart internals: the coupon reaches Kafka on OrderPlaced when an order uses it',
  CouponRemovedFromCart: 'cart internals: a coupon taken off before any order used it',
  PricingRuleCreated: 'admin configuration; the discount reaches Kafka on the order events',
  PricingRuleChanged: 'admin configuration; the discount reaches Kafka on the order events',
  PricingRuleDisabled: 'admin configuration; the discount reaches Kafka on the order events',
  CouponCreated: 'admin configuration; the discount reaches Kafka on the order events',
  CouponRedeemed: 'the coupon and its discount reach Kafka on the order events',
  CouponRedemptionReleased: 'the order cancellation tells the same',
  CustomerTierChanged: 'not published yet: no consumer asked for tiers',
  CustomerSpendRecorded: 'tier bookkeeping; OrderConfirmed and OrderRefunded carry the amounts',
  ...privateCatalogEvents,
};

/** Domain event types the publisher reads (its subscription filter). */
export const publishedDomainEventTypes: readonly string[] = Object.keys(domainMappers);

/** One integration event ready to send: its topic, key (the aggregate id) and validated value. */
export type IntegrationMessage = {
  topic: TopicKind;
  key: string;
  type: IntegrationEventType;
  value: Record<string, unknown> & { event_id: string; schema_version: number };
};

const occurredAt = (event: RecordedEvent) => {
  const stated = event.metadata.occurred_at;
  return typeof stated === 'string' && stated.length > 0 ? stated : event.recordedAt.toISOString();
};

/**
 * The integration events a domain event becomes (none when private). Every value is parsed by its
 * public schema, whose objects are strict: a field that is not in the contract cannot slip out. A fact
 * naming a product variant is published at its type's variant version (variant-versions.ts); a type
 * without one refuses it. A mapping or validation failure throws, and the runner parks that event.
 */
export function toIntegrationEvents(event: RecordedEvent): IntegrationMessage[] {
  const mapper = domainMappers[event.type];
  if (!mapper) return [];
  // A guest cart has no user id to publish under (its owner is a hash of the cart token): it stays private.
  if (event.streamName.startsWith('cart-gst_')) return [];
  return mapper(event.data as never).map((draft, index) => {
    const ofVariant = namesVariant(draft.fields) ? variantVersions[draft.type] : undefined;
    const { schema, version } = ofVariant ?? {
      schema: integrationEvents[draft.type].schema,
      version: integrationSchemaVersions[draft.type] ?? 1,
    };
    const value = schema.parse({
      event_id: integrationEventIdFor(event.id, draft.type, index),
      event_type: draft.type,
      schema_version: version,
      occurred_at: occurredAt(event),
      ...draft.fields,
    }) as IntegrationMessage['value'];
    return { topic: integrationEvents[draft.type].topic, key: draft.key, type: draft.type, value };
  });
}
