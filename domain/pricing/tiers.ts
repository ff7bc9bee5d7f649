import { z } from 'zod';

/** Customer tiers of API.md, lowest first: a higher tier is never priced worse than a lower one. */
export const tiers = ['none', 'silver', 'gold', 'platinum'] as const;
export const tierSchema = z.enum(tiers).describe('customer tier: none, silver, gold or platinum');
export type Tier = z.infer<typeof tierSchema>;

/** The tiers a tier rule may name (`none` would be everyone: a sale). */
export const ruleTiers = ['silver', 'gold', 'platinum'] as const;

export const tierRank = (tier: Tier): number => tiers.indexOf(tier);

/** True when a customer of `customer` tier qualifies for a rule of tier `rule`. */
export const tierQualifies = (customer: Tier, rule: Tier): boolean => tierRank(customer) >= tierRank(rule);
