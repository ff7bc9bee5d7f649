import { sql } from 'kysely';
import type { OrderState } from '../domain/ordering/order.ts';
import { toMajorUnits } from '../domain/shared/money.ts';
import type { OrderRow } from '../projections/orders/orders-projection.ts';
import type { ReadModelDb } from '../projections/runner/types.ts';

export type OrderListFilter = {
  page: number;
  limit: number;
  /** Only this user's orders; undefined lists everyone's (admin). */
  userId?: string | undefined;
  status?: string | undefined;
};

const table = (schema: string) => sql.table(`${schema}.orders`);

/** GET /orders and GET /orders/{id} from the orders read model (PostgreSQL). */
export function createOrderQueries(db: ReadModelDb) {
  return {
    async list(schema: string, filter: OrderListFilter) {
      const where = sql.join(
        [
          sql`true`,
          ...(filter.userId !== undefined ? [sql`user_id = ${filter.userId}`] : []),
          ...(filter.status !== undefined ? [sql`status = ${filter.status}`] : []),
        ],
        sql` AND `,
      );
      const offset = (filter.page - 1) * filter.limit;
      // Newest first; the id breaks ties so pages never overlap.
      const [rows, count] = await Promise.all([
        sql<Omit<OrderRow, 'state' | 'revision'>>`
          SELECT order_id, user_id, status, total, currency, item_count, created_at, updated_at
          FROM ${table(schema)} WHERE ${where}
          ORDER BY created_at DESC, order_id DESC LIMIT ${filter.limit} OFFSET ${offset}`.execute(db),
        sql<{ total: string }>`SELECT count(*) AS total FROM ${table(schema)} WHERE ${where}`.execute(db),
      ]);
      return { rows: rows.rows, total: Number(count.rows[0]?.total ?? 0) };
    },

    async order(schema: string, orderId: string) {
      const result = await sql<Pick<OrderRow, 'order_id' | 'user_id' | 'state' | 'updated_at'>>`
        SELECT order_id, user_id, state, updated_at FROM ${table(schema)} WHERE order_id = ${orderId}`.execute(
        db,
      );
      return result.rows[0];
    },
  };
}

export type OrderQueries = ReturnType<typeof createOrderQueries>;

export const listedOrder = (row: Omit<OrderRow, 'state' | 'revision'>) => ({
  order_id: row.order_id,
  user_id: row.user_id,
  status: row.status,
  total: toMajorUnits(Number(row.total)),
  currency: row.currency,
  item_count: row.item_count,
  created_at: row.created_at.toISOString(),
});

/** The full order: items, addresses, totals, tracking number, payment, cancellation, every timestamp. */
export function orderDetail(state: OrderState, updatedAt: Date) {
  const placed = state.placed!;
  return {
    order_id: placed.order_id,
    user_id: placed.user_id,
    status: state.status,
    reservation_id: placed.reservation_id,
    items: placed.items.map((item) => ({
      product_id: item.product_id,
      product_name: item.product_name,
      quantity: item.quantity,
      unit_price: toMajorUnits(item.unit_price),
      subtotal: toMajorUnits(item.subtotal),
    })),
    item_count: placed.items.reduce((sum, item) => sum + item.quantity, 0),
    subtotal: toMajorUnits(placed.subtotal),
    tax: toMajorUnits(placed.tax),
    shipping_cost: toMajorUnits(placed.shipping_cost),
    total: toMajorUnits(placed.total),
    currency: placed.currency,
    shipping_address: placed.shipping_address,
    billing_address: placed.billing_address,
    payment_method: placed.payment_method,
    payment_id: state.payment?.paymentId ?? null,
    tracking_number: state.trackingNumber,
    cancellation: state.cancellation && {
      cancelled_by: state.cancellation.by,
      reason: state.cancellation.reason,
      refund_amount: toMajorUnits(state.cancellation.refundAmount),
      refund_status: state.cancellation.refundAmount === 0 ? 'none' : state.refund ? 'refunded' : 'pending',
    },
    timestamps: {
      placed_at: state.timestamps.pending ?? placed.placed_at,
      confirmed_at: state.timestamps.confirmed ?? null,
      processing_at: state.timestamps.processing ?? null,
      shipped_at: state.timestamps.shipped ?? null,
      delivered_at: state.timestamps.delivered ?? null,
      cancelled_at: state.timestamps.cancelled ?? null,
      refunded_at: state.refund?.refundedAt ?? null,
    },
    created_at: placed.placed_at,
    updated_at: updatedAt.toISOString(),
  };
}
