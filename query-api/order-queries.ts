import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { toMajorUnits } from '../domain/shared/money.ts';
import type { OrderRow } from '../projections/orders/orders-projection.ts';

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
