import { describe, it } from 'vitest';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import type { CustomerTierCommand } from './commands.ts';
import { customerTierDecider } from './customer-tier.ts';
import type { CustomerTierEvent } from './events.ts';
import type { Tier } from './tiers.ts';

const userId = makeId('user', 'u1');
const now = '2026-01-15T10:00:00.000Z';
const tiersOf = given(customerTierDecider);
const setTier = (tier: Tier): CustomerTierCommand => ({
  type: 'SetCustomerTier',
  data: { userId, tier, source: 'admin', now },
});
const changed = (old_tier: Tier, new_tier: Tier): CustomerTierEvent => ({
  type: 'CustomerTierChanged',
  data: { schema_version: 1, user_id: userId, old_tier, new_tier, source: 'admin', changed_at: now },
});

describe('SetCustomerTier', () => {
  it('moves a customer without a tier to gold, recording the old tier', () => {
    tiersOf()
      .when(setTier('gold'))
      .thenEvents([changed('none', 'gold')]);
  });

  it('moves down as well as up', () => {
    tiersOf(changed('none', 'platinum'))
      .when(setTier('silver'))
      .thenEvents([changed('platinum', 'silver')]);
  });

  it('appends nothing when the tier is already that one', () => {
    tiersOf(changed('none', 'gold')).when(setTier('gold')).thenEvents([]);
    tiersOf().when(setTier('none')).thenEvents([]);
  });
});
