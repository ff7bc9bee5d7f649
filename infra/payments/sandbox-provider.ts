import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { invalid, notFound } from '../../domain/shared/errors.ts';
import type { Logger } from '../logger.ts';
import { loadMigrations, runMigrations } from '../postgres/migrations.ts';
import {
  type Charge,
  type ChargeRequest,
  type PaymentProvider,
  PaymentUnavailable,
  type Refund,
  type RefundRequest,
} from './port.ts';

/** Creates the sandbox ledger tables (module `payments`). */
export async function migratePayments(pool: pg.Pool, logger?: Logger) {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'payments', migrations, ...(logger ? { logger } : {}) });
}

type ChargeRow = {
  idempotency_key: string;
  charge_id: string;
  status: 'succeeded' | 'declined';
  amount: string;
  currency: string;
  decline_reason: string | null;
  created_at: Date;
};
type RefundRow = {
  idempotency_key: string;
  refund_id: string;
  charge_id: string;
  amount: string;
  currency: string;
  created_at: Date;
};

const toCharge = (row: ChargeRow): Charge => ({
  chargeId: row.charge_id,
  idempotencyKey: row.idempotency_key,
  status: row.status,
  amount: Number(row.amount),
  currency: row.currency,
  declineReason: row.decline_reason,
  createdAt: row.created_at,
});
const toRefund = (row: RefundRow): Refund => ({
  refundId: row.refund_id,
  idempotencyKey: row.idempotency_key,
  chargeId: row.charge_id,
  amount: Number(row.amount),
  currency: row.currency,
  createdAt: row.created_at,
});

/** API.md: `tok_visa` and any `tok_ok_*` pay, `tok_declined` declines, `tok_unavailable` is an outage (503). */
export function sandboxOutcome(token: string): 'succeeded' | 'declined' | 'unavailable' {
  if (token === 'tok_unavailable') return 'unavailable';
  if (token === 'tok_visa' || token.startsWith('tok_ok_')) return 'succeeded';
  return 'declined';
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

/**
 * The built-in sandbox provider. Its ledger is in PostgreSQL, keyed by the idempotency key, so a retry
 * (even from another process after a crash) gets the first outcome back and money moves at most once.
 */
export function createSandboxPaymentProvider(options: { pool: pg.Pool }): PaymentProvider {
  const { pool } = options;

  async function findCharge(idempotencyKey: string): Promise<Charge | undefined> {
    const { rows } = await pool.query<ChargeRow>('SELECT * FROM sandbox_charges WHERE idempotency_key = $1', [
      idempotencyKey,
    ]);
    return rows[0] ? toCharge(rows[0]) : undefined;
  }

  return {
    findCharge,
    async charge(request: ChargeRequest) {
      const existing = await findCharge(request.idempotencyKey);
      if (existing) return existing;
      const outcome = sandboxOutcome(request.token);
      // An outage leaves no trace: nothing was charged, so a retry may succeed.
      if (outcome === 'unavailable') throw new PaymentUnavailable();
      if (!Number.isSafeInteger(request.amount) || request.amount <= 0)
        throw invalid('amount', 'must be positive minor units');
      const reason =
        outcome === 'declined'
          ? request.token === 'tok_declined'
            ? 'card_declined'
            : 'invalid_token'
          : null;
      // Two concurrent first attempts: one inserts, the other reads the winner's row.
      await pool.query(
        `INSERT INTO sandbox_charges (idempotency_key, charge_id, status, amount, currency, decline_reason)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
        [request.idempotencyKey, newId('ch'), outcome, request.amount, request.currency, reason],
      );
      const stored = await findCharge(request.idempotencyKey);
      if (!stored) throw new Error(`sandbox charge ${request.idempotencyKey} vanished`);
      return stored;
    },
    async refund(request: RefundRequest) {
      const { rows: done } = await pool.query<RefundRow>(
        'SELECT * FROM sandbox_refunds WHERE idempotency_key = $1',
        [request.idempotencyKey],
      );
      if (done[0]) return toRefund(done[0]);
      const { rows: charges } = await pool.query<ChargeRow>(
        'SELECT * FROM sandbox_charges WHERE charge_id = $1',
        [request.chargeId],
      );
      const charge = charges[0];
      if (charge?.status !== 'succeeded') throw notFound('Charge', request.chargeId);
      if (request.amount <= 0 || request.amount > Number(charge.amount))
        throw invalid('amount', `refund must be 1..${charge.amount}`);
      await pool.query(
        `INSERT INTO sandbox_refunds (idempotency_key, refund_id, charge_id, amount, currency)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
        [request.idempotencyKey, newId('re'), request.chargeId, request.amount, request.currency],
      );
      const { rows } = await pool.query<RefundRow>(
        'SELECT * FROM sandbox_refunds WHERE idempotency_key = $1',
        [request.idempotencyKey],
      );
      if (!rows[0]) throw new Error(`sandbox refund ${request.idempotencyKey} vanished`);
      return toRefund(rows[0]);
    },
  };
}
