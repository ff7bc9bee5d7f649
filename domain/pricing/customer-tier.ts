import { type Decider, unreachable } from '../shared/decider.ts';
import type { UserId } from '../shared/ids.ts';
import type { CustomerTierCommand } from './commands.ts';
import type { CustomerTierEvent } from './events.ts';
import type { Tier } from './tiers.ts';

/** One stream per customer, beside the user's own, so tiers change without touching identity. */
export const customerTierStream = (userId: UserId) => `customertier-${userId}`;

export type CustomerTierState = { tier: Tier };

export const initialState = (): CustomerTierState => ({ tier: 'none' });

export function decide(command: CustomerTierCommand, state: CustomerTierState): CustomerTierEvent[] {
  switch (command.type) {
    case 'SetCustomerTier': {
      const { userId, tier, source, now } = command.data;
      // Setting the tier a customer already has changes nothing and appends nothing.
      if (tier === state.tier) return [];
      return [
        {
          type: 'CustomerTierChanged',
          data: {
            schema_version: 1,
            user_id: userId,
            old_tier: state.tier,
            new_tier: tier,
            source,
            changed_at: now,
          },
        },
      ];
    }
    default:
      return unreachable(command.type);
  }
}

export const evolve = (_state: CustomerTierState, event: CustomerTierEvent): CustomerTierState => ({
  tier: event.data.new_tier,
});

export const customerTierDecider: Decider<CustomerTierCommand, CustomerTierEvent, CustomerTierState> = {
  decide,
  evolve,
  initialState,
};
