import { describe, expect, it } from 'vitest';
import type { OrderId, UserId } from '../shared/ids.ts';
import type { CustomerTierCommand } from './commands.ts';
import { customerTierDecider } from './customer-tier.ts';
import { defaultTierThresholds, earnedTier, parseTierThresholds } from './earned-tiers.ts';
import type { CustomerTierEvent } from './events.ts';

const userId = 'usr_t1' as UserId;
const now = '2026-12-05T10:00:00.000Z';
const spend = (
  orderId: string,
  amount: number,
  kind: 'confirmed' | 'refunded' = 'confirmed',
): CustomerTierCommand => ({
  type: 'RecordCustomerSpend',
  data: { userId, orderId: orderId as OrderId, kind, amount, thresholds: defaultTierThresholds, now },
});
const admin = (tier: 'none' | 'silver' | 'gold' | 'platinum'): CustomerTierCommand => ({
  type: 'SetCustomerTier',
  data: { userId, tier, source: 'admin', now },
});
function run(commands: CustomerTierCommand[]) {
  let state = customerTierDecider.initialState();
  const events: CustomerTierEvent[] = [];
  for (const command of commands) {
    const decided = customerTierDecider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(customerTierDecider.evolve, state);
  }
  const changes = events.flatMap((e) =>
    e.type === 'CustomerTierChanged' ? [`${e.data.new_tier}/${e.data.source}`] : [],
  );
  return { events, state, changes };
}

describe('earned tiers', () => {
  it('earns each tier at its threshold of lifetime confirmed spend, an event for every change', () => {
    expect(earnedTier(99_999, defaultTierThresholds)).toBe('none');
    expect(earnedTier(100_000, defaultTierThresholds)).toBe('silver');
    const { changes, state } = run([spend('ord_1', 60_000), spend('ord_2', 40_000), spend('ord_3', 400_000)]);
    expect(changes).toEqual(['silver/earned', 'gold/earned']);
    expect(state).toMatchObject({ tier: 'gold', spend: 500_000 });
  });

  it('counts an order once, and a refund takes the spend (and the earned tier) back down', () => {
    const { changes, state, events } = run([
      spend('ord_1', 150_000),
      spend('ord_1', 150_000),
      spend('ord_1', 150_000, 'refunded'),
    ]);
    expect(events.filter((e) => e.type === 'CustomerSpendRecorded')).toHaveLength(2);
    expect(changes).toEqual(['silver/earned', 'none/earned']);
    expect(state.spend).toBe(0);
  });

  it('never goes below the tier an admin set, and rises above it when earned', () => {
    const { changes, state } = run([admin('gold'), spend('ord_1', 150_000), spend('ord_2', 2_000_000)]);
    expect(changes).toEqual(['gold/admin', 'platinum/earned']);
    expect(state.tier).toBe('platinum');
  });

  it('reads TIER_THRESHOLDS in major units and refuses a bad one naming the setting', () => {
    expect(parseTierThresholds('silver:500, gold:2500.50,platinum:10000')).toEqual({
      silver: 50_000,
      gold: 250_050,
      platinum: 1_000_000,
    });
    for (const bad of [
      'silver:1',
      'gold:5,silver:1,platinum:2',
      'silver:1,gold:x,platinum:3',
      'silver:1,silver:2,gold:3',
    ])
      expect(() => parseTierThresholds(bad), bad).toThrowError(
        expect.objectContaining({
          code: 'VAL_2001',
          details: [expect.objectContaining({ field: 'TIER_THRESHOLDS' })],
        }),
      );
  });
});
