import { type Kysely, sql } from 'kysely';
import type { FindingSink } from './findings.ts';

export type ConfirmedCharge = { stream: string; paymentId: string; amount: number };

/**
 * When the sandbox provider's ledger lives in this database, every confirmed order's payment id must be a
 * succeeded charge of the same amount there. Returns false when there is no ledger to compare with.
 */
export async function checkCharges(
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  db: Kysely<any>,
  charges: readonly ConfirmedCharge[],
  report: FindingSink,
): Promise<boolean> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('sandbox_charges')::text AS t`.execute(
    db,
  );
  if (!exists.rows[0]?.t) return false;
  for (let i = 0; i < charges.length; i += 1000) {
    const chunk = charges.slice(i, i + 1000);
    const { rows } = await sql<{ charge_id: string; status: string; amount: string }>`
      SELECT charge_id, status, amount::text FROM sandbox_charges
      WHERE charge_id = ANY(${chunk.map((c) => c.paymentId)}::text[])`.execute(db);
    const found = new Map(rows.map((r) => [r.charge_id, r]));
    for (const charge of chunk) {
      const row = found.get(charge.paymentId);
      if (row?.status !== 'succeeded' || row.amount !== String(charge.amount))
        report({
          kind: 'charge-not-found',
          stream: charge.stream,
          message: row
            ? `charge ${charge.paymentId} is ${row.status} for ${row.amount}, order says ${charge.amount}`
            : `charge ${charge.paymentId} is not in the provider's ledger`,
        });
    }
  }
  return true;
}
