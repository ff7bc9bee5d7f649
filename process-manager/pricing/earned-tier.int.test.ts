import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  address,
  type CheckoutWorld,
  createCheckoutWorld,
  eventually,
  visa,
} from '../../application/checkout/test-support.ts';
import { customerTierDecider, customerTierStream } from '../../domain/pricing/customer-tier.ts';
import type { OrderId, UserId } from '../../domain/shared/ids.ts';

/** The process manager earns tiers from confirmed spend (TIER_THRESHOLDS), and a refund takes it back. */
describe('earned tiers from lifetime confirmed spend', () => {
  let world: CheckoutWorld;
  beforeAll(async () => {
    world = await createCheckoutWorld('earned_tier');
  });
  afterAll(() => world.close());

  const thresholds = { silver: 10_000, gold: 30_000, platinum: 100_000 };
  const tierOf = async (userId: UserId) =>
    (await world.handler.load(customerTierDecider, customerTierStream(userId))).state;
  async function order(customer: UserId, price: number) {
    const product = world.newProduct();
    await world.receive(product, 10);
    await world.addToCart(customer, product, 1, price);
    const placed = await world.services.placeOrder({
      userId: customer,
      shippingAddress: address,
      billingAddress: address,
      paymentMethod: { type: 'card', token: visa.token },
      metadata: world.metadata,
    });
    expect(placed.state.status).toBe('confirmed');
    return placed.orderId as OrderId;
  }

  it('counts each confirmed order once, earns silver then gold with an event each, and a refund lowers it', async () => {
    await world.startProcessManager({
      actions: { retryMs: 200, paymentWindowMs: 1_000, tierThresholds: thresholds },
    });
    const customer = world.newUser();
    await order(customer, 12_000); // 120.00 + tax 9.60 → 129.60: silver
    await eventually(async () => expect((await tierOf(customer)).tier).toBe('silver'));
    const second = await order(customer, 20_000); // + 216.00 → 345.60: gold
    await eventually(async () =>
      expect(await tierOf(customer)).toMatchObject({ tier: 'gold', spend: 34_560 }),
    );

    await world.services.cancelOrder({
      orderId: second,
      actor: { userId: customer, role: 'customer' },
      reason: 'too much',
      metadata: world.metadata,
    });
    await eventually(async () =>
      expect(await tierOf(customer)).toMatchObject({ tier: 'silver', spend: 12_960 }),
    );
    const events = await world.readAllOf(customerTierStream(customer));
    expect(
      events.filter((e) => e.type === 'CustomerTierChanged').map((e) => [e.data.new_tier, e.data.source]),
    ).toEqual([
      ['silver', 'earned'],
      ['gold', 'earned'],
      ['silver', 'earned'],
    ]);
    expect(events.filter((e) => e.type === 'CustomerSpendRecorded')).toHaveLength(3);
  }, 120_000);
});
