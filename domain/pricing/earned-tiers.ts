import { invalid } from '../shared/errors.ts';
import { type Tier, tierRank } from './tiers.ts';

/** Lifetime confirmed spend (minor units) from which each tier is earned. */
export type TierThresholds = { silver: number; gold: number; platinum: number };

/** The defaults of docs/pricing.md: silver from 1,000.00, gold from 5,000.00, platinum from 20,000.00. */
export const defaultTierThresholds: TierThresholds = { silver: 100_000, gold: 500_000, platinum: 2_000_000 };

/** The highest tier whose threshold the spend has reached (`none` below silver's). */
export function earnedTier(spend: number, thresholds: TierThresholds): Tier {
  if (spend >= thresholds.platinum) return 'platinum';
  if (spend >= thresholds.gold) return 'gold';
  if (spend >= thresholds.silver) return 'silver';
  return 'none';
}

export const higherTier = (a: Tier, b: Tier): Tier => (tierRank(a) >= tierRank(b) ? a : b);

/**
 * TIER_THRESHOLDS: `silver:1000,gold:5000,platinum:20000` in major units (whole or two decimals), each
 * tier named once, rising. Anything else is VAL_2001 on TIER_THRESHOLDS.
 */
export function parseTierThresholds(text: string): TierThresholds {
  const found: Partial<TierThresholds> = {};
  for (const part of text.split(',')) {
    const match = /^\s*(silver|gold|platinum)\s*:\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(part);
    if (!match) throw invalid('TIER_THRESHOLDS', 'must be like silver:1000,gold:5000,platinum:20000');
    const tier = match[1] as keyof TierThresholds;
    if (found[tier] !== undefined) throw invalid('TIER_THRESHOLDS', `${tier} is named twice`);
    found[tier] = Number(match[2]) * 100 + Number((match[3] ?? '0').padEnd(2, '0'));
  }
  const { silver, gold, platinum } = found;
  if (silver === undefined || gold === undefined || platinum === undefined)
    throw invalid('TIER_THRESHOLDS', 'must name silver, gold and platinum');
  if (!(silver < gold && gold < platinum))
    throw invalid('TIER_THRESHOLDS', 'must rise: silver < gold < platinum');
  return { silver, gold, platinum };
}
