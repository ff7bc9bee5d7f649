import { type Decider, unreachable } from '../shared/decider.ts';
import type { UserId } from '../shared/ids.ts';
import type { CustomerTierCommand, RecordCustomerSpend } from './commands.ts';
import { earnedTier, higherTier } from './earned-tiers.ts';
import type { CustomerTierEvent } from './events.ts';
import type { Tier } from './tiers.ts';

/** One stream per customer, beside the user's own, so tiers change without touching identity. */
export const customerTierStream = (userId: UserId) => `customertier-${userId}`;

export type CustomerTierState = {
  tier: Tier;
  /** The tier an admin last set: an earned tier never goes below it. */
  adminTier: Tier;
  /** Lifetime confirmed spend minus refunds, minor units. */
  spend: number;
  /** `<kind>:<order_id>` already counted, so a repeated step counts nothing. */
  counted: Record<string, true>;
};

export const initialState = (): CustomerTierState => ({
  tier: 'none',
  adminTier: 'none',
  spend: 0,
  counted: {},
});

export function decide(command: CustomerTierCommand, state: CustomerTierState): CustomerTierEvent[] {
  switch (command.type) {
    case 'SetCustomerTier': {
      const { userId, tier, source, now } = command.data;
      // Setting the tier a customer already has changes nothing and appends nothing.
      if (tier === state.tier) return [];
      return [tierChanged(userId, state.tier, tier, source, now)];
    }
    case 'RecordCustomerSpend':
      return recordSpend(command, state);
    default:
      return unreachable(command);
  }
}

const tierChanged = (userId: UserId, from: Tier, to: Tier, source: 'admin' | 'earned', now: string) =>
  ({
    type: 'CustomerTierChanged',
    data: { schema_version: 1, user_id: userId, old_tier: from, new_tier: to, source, changed_at: now },
  }) as const;

/**
 * Counts the amount once per order and kind, then earns the tier the lifetime spend reaches (refunds can
 * lower it), never below the admin's tier; a change is a CustomerTierChanged with source `earned`.
 */
function recordSpend({ data }: RecordCustomerSpend, state: CustomerTierState): CustomerTierEvent[] {
  const { userId, orderId, kind, amount, thresholds, now } = data;
  if (state.counted[`${kind}:${orderId}`]) return [];
  const spend = state.spend + (kind === 'confirmed' ? amount : -amount);
  const events: CustomerTierEvent[] = [
    {
      type: 'CustomerSpendRecorded',
      data: {
        schema_version: 1,
        user_id: userId,
        order_id: orderId,
        kind,
        amount,
        lifetime_spend: spend,
        recorded_at: now,
      },
    },
  ];
  const tier = higherTier(earnedTier(spend, thresholds), state.adminTier);
  if (tier !== state.tier) events.push(tierChanged(userId, state.tier, tier, 'earned', now));
  return events;
}

export function evolve(state: CustomerTierState, event: CustomerTierEvent): CustomerTierState {
  switch (event.type) {
    case 'CustomerTierChanged':
      return {
        ...state,
        tier: event.data.new_tier,
        adminTier: event.data.source === 'admin' ? event.data.new_tier : state.adminTier,
      };
    case 'CustomerSpendRecorded':
      return {
        ...state,
        spend: event.data.lifetime_spend,
        counted: { ...state.counted, [`${event.data.kind}:${event.data.order_id}`]: true },
      };
    default:
      return unreachable(event);
  }
}

export const customerTierDecider: Decider<CustomerTierCommand, CustomerTierEvent, CustomerTierState> = {
  decide,
  evolve,
  initialState,
};
