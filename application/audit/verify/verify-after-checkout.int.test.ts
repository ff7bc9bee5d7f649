import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderId, UserId } from '../../../domain/shared/ids.ts';
import { address, type CheckoutWorld, createCheckoutWorld, visa } from '../../checkout/test-support.ts';
import { allVisible } from '../test-fixtures.ts';
import { verifyHistory } from './verify-history.ts';

/**
 * The checkout scenarios (paid, declined then paid, unavailable then cancelled, cancelled after payment with a
 * refund, walked to delivered) leave a history that verify finds clean, payment ledger included. The checkout
 * world's store is not wrapped with the hash chain, so chain findings (missing-hash) are set aside here; the
 * chains are tested in infra/eventstore/hash-chain.
 */
describe('audit verify after the checkout scenarios', () => {
  let world: CheckoutWorld;
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  let db: Kysely<any>;
  const admin = { userId: 'usr_admin' as UserId, role: 'admin' };
  const verify = async () => {
    await allVisible(world.pool);
    const report = await verifyHistory({ store: world.store, db, graceMs: 0 });
    return { report, findings: report.findings.filter((f) => f.kind !== 'chain-broken') };
  };

  beforeAll(async () => {
    world = await createCheckoutWorld('audit_checkout');
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: world.pool }) });
    const shopper = async (quantity = 2) => {
      const product = world.newProduct();
      await world.receive(product, 10);
      const customer = world.newUser();
      await world.addToCart(customer, product, quantity, 2500);
      return customer;
    };
    const place = (customer: UserId, reservationId?: string, token = visa.token) =>
      world.services.placeOrder({
        userId: customer,
        shippingAddress: address,
        billingAddress: address,
        paymentMethod: { type: 'card', token },
        ...(reservationId ? { reservationId: reservationId as never } : {}),
        metadata: world.metadata,
      });
    const move = (orderId: string, type: 'ProcessOrder' | 'DeliverOrder' | 'ShipOrder') =>
      world.services.advanceOrder(
        orderId as OrderId,
        type === 'ShipOrder' ? { type, trackingNumber: '1Z999' } : { type },
        world.metadata,
      );

    const paid = await shopper();
    const { reservationId } = await world.services.reserveCart(paid, world.metadata);
    await place(paid, reservationId);

    const declined = await shopper();
    const held = await world.services.reserveCart(declined, world.metadata);
    await place(declined, held.reservationId, 'tok_declined').catch(() => undefined);
    await place(declined, held.reservationId);

    const unavailable = await shopper();
    await place(unavailable, undefined, 'tok_unavailable').catch(() => undefined);

    const refunded = await shopper(3);
    const { orderId: refundedOrder } = await place(refunded);
    await move(refundedOrder, 'ProcessOrder');
    await world.services.cancelOrder({
      orderId: refundedOrder,
      actor: admin,
      reason: 'no packaging',
      metadata: world.metadata,
    });

    const delivered = await shopper();
    const { orderId: deliveredOrder } = await place(delivered);
    await move(deliveredOrder, 'ProcessOrder');
    await move(deliveredOrder, 'ShipOrder');
    await move(deliveredOrder, 'DeliverOrder');
  });
  afterAll(async () => {
    await world.close();
  });

  it('finds nothing wrong, and compares every confirmed order with the payment ledger', async () => {
    const { report, findings } = await verify();
    expect(findings).toEqual([]);
    expect(report.paymentLedger).toBe('compared');
    expect(report.aggregates).toBeGreaterThan(10);
  });

  it('notices when the provider has no succeeded charge for a confirmed order', async () => {
    await world.pool.query(
      `UPDATE sandbox_charges SET status = 'declined' WHERE charge_id = (
         SELECT charge_id FROM sandbox_charges WHERE status = 'succeeded' ORDER BY created_at LIMIT 1)`,
    );
    const { findings } = await verify();
    expect(findings.map((f) => f.kind)).toEqual(['charge-not-found']);
  });
});
