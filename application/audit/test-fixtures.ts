import { randomUUID } from 'node:crypto';
import type { EventToAppend } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import type { Queryable } from '../../infra/postgres/pool.ts';

/** Event builders for audit tests: valid domain events (schema_version 1) with metadata as the handler writes it. */
export const meta = (correlation: string, userId = 'usr_admin') => ({
  correlation_id: correlation,
  causation_id: correlation,
  user_id: userId,
  request_id: correlation,
  occurred_at: '2026-01-15T10:00:00.000Z',
});

export const ev = (type: string, data: Record<string, unknown>, correlation = 'req_seed'): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { schema_version: 1, ...data },
  metadata: meta(correlation),
});

export const stock = {
  received: (product: string, quantity: number, onHand: number, reserved = 0) =>
    ev('StockReceived', { product_id: product, quantity, on_hand: onHand, reserved }),
  reserved: (product: string, rsv: string, quantity: number, onHand: number, reserved: number) =>
    ev('StockReserved', {
      product_id: product,
      reservation_id: rsv,
      quantity,
      expires_at: '2026-01-15T10:10:00.000Z',
      on_hand: onHand,
      reserved,
    }),
  released: (product: string, rsv: string, quantity: number, onHand: number, reserved: number) =>
    ev('ReservationReleased', {
      product_id: product,
      reservation_id: rsv,
      quantity,
      on_hand: onHand,
      reserved,
    }),
  committed: (product: string, rsv: string, quantity: number, onHand: number, reserved: number) =>
    ev('ReservationCommitted', {
      product_id: product,
      reservation_id: rsv,
      quantity,
      on_hand: onHand,
      reserved,
    }),
  returned: (product: string, rsv: string, quantity: number, onHand: number, reserved: number) =>
    ev('CommittedStockReturned', {
      product_id: product,
      reservation_id: rsv,
      quantity,
      on_hand: onHand,
      reserved,
    }),
  adjusted: (product: string, quantity: number, onHand: number, reserved: number) =>
    ev('StockAdjusted', { product_id: product, quantity, reason: 'count', on_hand: onHand, reserved }),
};

const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};

export const order = {
  placed: (orderId: string, product: string, rsv: string, total = 2000, correlation = 'req_place') =>
    ev(
      'OrderPlaced',
      {
        order_id: orderId,
        user_id: 'usr_customer',
        reservation_id: rsv,
        items: [
          { product_id: product, product_name: 'Lamp', quantity: 2, unit_price: total / 2, subtotal: total },
        ],
        currency: 'USD',
        subtotal: total,
        tax: 0,
        shipping_cost: 0,
        total,
        pricing: {
          tax_rate: { numerator: 0, denominator: 1 },
          shipping_flat: 0,
          free_shipping_over: 0,
        },
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token_hint: 'tok_…isa' },
        placed_at: '2026-01-15T10:00:00.000Z',
      },
      correlation,
    ),
  confirmed: (orderId: string, amount = 2000) =>
    ev('OrderConfirmed', {
      order_id: orderId,
      payment_id: `pay_${orderId}`,
      amount,
      confirmed_at: '2026-01-15T10:00:01.000Z',
    }),
  cancelled: (orderId: string, rsv: string, refund: number, correlation = 'req_cancel', by = 'usr_admin') =>
    ev(
      'OrderCancelled',
      {
        order_id: orderId,
        cancelled_by: by,
        cancelled_by_role: 'admin',
        reason: 'customer called: wrong colour',
        previous_status: refund > 0 ? 'confirmed' : 'pending',
        reservation_id: rsv,
        refund_amount: refund,
        currency: 'USD',
        cancelled_at: '2026-01-15T11:00:00.000Z',
      },
      correlation,
    ),
  refunded: (orderId: string, amount: number, correlation = 'req_cancel') =>
    ev(
      'OrderRefunded',
      {
        order_id: orderId,
        refund_id: `ref_${orderId}`,
        amount,
        currency: 'USD',
        refunded_at: '2026-01-15T11:00:01.000Z',
      },
      correlation,
    ),
};

/**
 * Waits until every event in the table is visible to global-log readers. The PostgreSQL store's horizon is
 * cluster-wide: while another test's transaction is open, readers see nothing newer, so a test that reads
 * the log (or waits for projections) right after appending must wait for the horizon to pass its events.
 */
export async function allVisible(pool: Queryable, timeoutMs = 30_000): Promise<Position> {
  const { rows } = await pool.query<{ t: string; p: string }>(
    'SELECT transaction_id::text AS t, global_position::text AS p FROM messages ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  const last = rows[0];
  if (!last) throw new Error('no events to wait for');
  const wanted: Position = { commit: BigInt(last.t), prepare: BigInt(last.p) };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Below the read horizon: readAll and subscriptions show it (headPosition is the committed head).
    const { rows: seen } = await pool.query<{ visible: boolean }>(
      'SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS visible',
      [last.t],
    );
    if (seen[0]?.visible) return wanted;
    if (Date.now() > deadline) throw new Error('events did not become visible in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
