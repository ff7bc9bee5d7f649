import type { EventMetadata } from '../../infra/eventstore/port.ts';

/** One sample domain event (see sample-domain-events.ts). */
export type SampleEvent = {
  stream: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

const at = '2026-03-01T12:00:00.000Z';

/** One valid event of each pricing type (all private for now: see privateDomainEvents). */
export function samplePricingEvents(suffix: string): Omit<SampleEvent, 'metadata'>[] {
  const user = `usr_${suffix}`;
  const rule = `prl_${suffix}`;
  const code = `SAVE-${suffix.toUpperCase().replace(/[^A-Z0-9-]/g, '')}`.slice(0, 32);
  const definition = {
    rule_id: rule,
    name: 'Ten or more',
    kind: 'quantity',
    percent_off_bps: 1000,
    amount_off: null,
    scope: { all: true },
    min_quantity: 10,
    tier: null,
    starts_at: null,
    ends_at: null,
  };
  return [
    {
      stream: `pricingrule-${rule}`,
      type: 'PricingRuleCreated',
      data: { schema_version: 1, ...definition, created_at: at },
    },
    {
      stream: `pricingrule-${rule}`,
      type: 'PricingRuleChanged',
      data: { schema_version: 1, ...definition, changed_at: at },
    },
    {
      stream: `pricingrule-${rule}`,
      type: 'PricingRuleDisabled',
      data: { schema_version: 1, rule_id: rule, disabled_at: at },
    },
    {
      stream: `coupon-${code}`,
      type: 'CouponCreated',
      data: {
        schema_version: 1,
        code,
        percent_off_bps: null,
        amount_off: 500,
        min_subtotal: null,
        starts_at: null,
        ends_at: null,
        max_redemptions: 10,
        max_per_customer: 1,
        created_at: at,
      },
    },
    {
      stream: `coupon-${code}`,
      type: 'CouponRedeemed',
      data: {
        schema_version: 1,
        code,
        order_id: `ord_${suffix}`,
        user_id: user,
        subtotal: 3000,
        discount: 500,
        redeemed_at: at,
      },
    },
    {
      stream: `coupon-${code}`,
      type: 'CouponRedemptionReleased',
      data: { schema_version: 1, code, order_id: `ord_${suffix}`, user_id: user, released_at: at },
    },
    {
      stream: `cart-${user}`,
      type: 'CouponAppliedToCart',
      data: {
        schema_version: 1,
        cart_id: `cart_${suffix}`,
        user_id: user,
        code,
        percent_off_bps: null,
        amount_off: 500,
        min_subtotal: null,
        applied_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CouponRemovedFromCart',
      data: { schema_version: 1, cart_id: `cart_${suffix}`, user_id: user, code, removed_at: at },
    },
    {
      stream: `customertier-${user}`,
      type: 'CustomerTierChanged',
      data: {
        schema_version: 1,
        user_id: user,
        old_tier: 'none',
        new_tier: 'gold',
        source: 'admin',
        changed_at: at,
      },
    },
    {
      stream: `customertier-${user}`,
      type: 'CustomerSpendRecorded',
      data: {
        schema_version: 1,
        user_id: user,
        order_id: `ord_${suffix}`,
        kind: 'confirmed',
        amount: 4240,
        lifetime_spend: 4240,
        recorded_at: at,
      },
    },
  ];
}
