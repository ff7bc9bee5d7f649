import type { ApiClient } from './client.ts';

/** The demo coupon the seed creates (printed in its report). */
export const SEED_COUPON = 'WELCOME-10';

/**
 * The demo pricing (docs/pricing.md): a quantity break (3 or more of anything, 5 % off), a gold-tier
 * discount (10 % off everything) and a coupon (10 % off from 50.00). Idempotent per seed run (keys), and a
 * coupon that already exists (an earlier run) is left as it is.
 */
export async function seedPricing(client: ApiClient, token: string, key: (what: string) => string) {
  const rules = [
    { name: 'Three or more', kind: 'quantity', percent_off: 5, min_quantity: 3, scope: { all: true } },
    { name: 'Gold members', kind: 'tier', percent_off: 10, tier: 'gold', scope: { all: true } },
  ];
  for (const [i, rule] of rules.entries())
    await client.expect([201], 'POST', '/pricing/rules', {
      body: rule,
      token,
      idempotencyKey: key(`rule-${i}`),
    });
  await client.expect([201, 409], 'POST', '/coupons', {
    body: { code: SEED_COUPON, percent_off: 10, min_subtotal: 50 },
    token,
    idempotencyKey: key('coupon'),
  });
}

/** Makes a customer gold (the demo shopper, so the README's seeded cart shows a tier price). */
export async function makeGold(
  client: ApiClient,
  token: string,
  userId: string,
  key: (what: string) => string,
) {
  await client.expect([200], 'POST', `/users/${userId}/tier`, {
    body: { tier: 'gold' },
    token,
    idempotencyKey: key(`tier-${userId}`),
  });
}
