import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createPool } from '../postgres/pool.ts';
import { PaymentUnavailable } from './port.ts';
import { createSandboxPaymentProvider, migratePayments, sandboxOutcome } from './sandbox-provider.ts';

describe('sandbox payment provider (PostgreSQL ledger)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase('sandbox_payments');
    pool = createPool({ connectionString: database.url, max: 4 });
    await migratePayments(pool);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });
  const request = (key: string, token: string, amount = 1234) => ({
    idempotencyKey: key,
    amount,
    currency: 'USD',
    token,
  });

  it('maps the tokens of API.md to outcomes', () => {
    expect(sandboxOutcome('tok_visa')).toBe('succeeded');
    expect(sandboxOutcome('tok_ok_anything')).toBe('succeeded');
    expect(sandboxOutcome('tok_declined')).toBe('declined');
    expect(sandboxOutcome('tok_unavailable')).toBe('unavailable');
    expect(sandboxOutcome('tok_unknown')).toBe('declined');
  });

  it('charges once per key: a retry, even through another provider instance, returns the first charge', async () => {
    const first = await createSandboxPaymentProvider({ pool }).charge(request('ord_a', 'tok_visa'));
    const again = await createSandboxPaymentProvider({ pool }).charge(request('ord_a', 'tok_declined', 9999));
    expect(first.status).toBe('succeeded');
    expect(again).toEqual(first);
    const { rows } = await pool.query("SELECT * FROM sandbox_charges WHERE idempotency_key = 'ord_a'");
    expect(rows).toHaveLength(1);
  });

  it('settles concurrent first attempts on one key to a single charge', async () => {
    const provider = createSandboxPaymentProvider({ pool });
    const charges = await Promise.all(
      Array.from({ length: 10 }, () => provider.charge(request('ord_race', 'tok_visa'))),
    );
    expect(new Set(charges.map((c) => c.chargeId)).size).toBe(1);
  });

  it('keeps a decline for its key, and finds charges by key', async () => {
    const provider = createSandboxPaymentProvider({ pool });
    const declined = await provider.charge(request('ord_d', 'tok_declined'));
    expect(declined).toMatchObject({ status: 'declined', declineReason: 'card_declined' });
    expect(await provider.findCharge('ord_d')).toEqual(declined);
    expect(await provider.findCharge('ord_none')).toBeUndefined();
  });

  it('an outage charges nothing and leaves no trace, so a retry can pay', async () => {
    const provider = createSandboxPaymentProvider({ pool });
    const failed = provider.charge(request('ord_u', 'tok_unavailable'));
    await expect(failed).rejects.toBeInstanceOf(PaymentUnavailable);
    await expect(failed).rejects.toMatchObject({ code: ErrorCode.DependencyUnavailable });
    expect(await provider.findCharge('ord_u')).toBeUndefined();
    expect((await provider.charge(request('ord_u', 'tok_ok_retry'))).status).toBe('succeeded');
  });

  it('refunds once per key, never more than was charged, never a decline', async () => {
    const provider = createSandboxPaymentProvider({ pool });
    const charge = await provider.charge(request('ord_r', 'tok_visa', 5000));
    const refund = await provider.refund({
      idempotencyKey: 'refund-ord_r',
      chargeId: charge.chargeId,
      amount: 5000,
      currency: 'USD',
    });
    const again = await provider.refund({
      idempotencyKey: 'refund-ord_r',
      chargeId: charge.chargeId,
      amount: 5000,
      currency: 'USD',
    });
    expect(again).toEqual(refund);
    await expect(
      provider.refund({
        idempotencyKey: 'refund-2',
        chargeId: charge.chargeId,
        amount: 5001,
        currency: 'USD',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    const declined = await provider.charge(request('ord_rd', 'tok_declined'));
    await expect(
      provider.refund({
        idempotencyKey: 'refund-3',
        chargeId: declined.chargeId,
        amount: 1,
        currency: 'USD',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
