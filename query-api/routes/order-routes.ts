import { z } from 'zod';
import { orderStatuses } from '../../domain/ordering/events.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { presentOrder } from '../../infra/http/order-body.ts';
import { orderBodySchema } from '../../infra/http/order-schema.ts';
import { orderListSchema } from '../account-responses.ts';
import { servingSchema } from '../consistency.ts';
import { createOrderQueries, listedOrder } from '../order-queries.ts';
import { paginationOf } from '../presenters.ts';
import { pagination } from '../query-params.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';

/** GET /orders query. */
export const listOrdersQuery = z.object({ ...pagination, status: z.enum(orderStatuses).optional() });

/**
 * GET /orders (a customer's own, an admin's all) and GET /orders/{id} (owner or admin). Someone else's order
 * is 404, exactly like an unknown one, so order ids cannot be probed.
 */
export const orderRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const queries = createOrderQueries(context.db);
  return [
    route({
      method: 'get',
      path: '/orders',
      access: ['customer', 'admin'],
      reads: ['orders'],
      query: listOrdersQuery,
      response: { status: 200, schema: orderListSchema },
      summary: "Orders, newest first: a customer's own, every order for an admin",
      async handle({ query: q, req }) {
        const auth = req.auth!;
        const { rows, total } = await queries.list(servingSchema(context.watcher, 'orders'), {
          page: q.page,
          limit: q.limit,
          status: q.status,
          userId: auth.role === 'admin' ? undefined : auth.userId,
        });
        return {
          status: 200,
          body: { orders: rows.map(listedOrder), pagination: paginationOf(q.page, q.limit, total) },
        };
      },
    }),
    route({
      method: 'get',
      path: '/orders/:order_id',
      access: ['customer', 'admin'],
      reads: ['orders'],
      params: z.object({ order_id: z.string() }),
      response: { status: 200, schema: orderBodySchema },
      summary: 'One order with items, addresses, totals and tracking (owner or admin)',
      async handle({ params, req }) {
        const id = params.order_id;
        if (!isId('order', id)) throw notFound('Order', id);
        const row = await queries.order(servingSchema(context.watcher, 'orders'), id);
        const auth = req.auth!;
        if (!row || (auth.role !== 'admin' && row.user_id !== auth.userId)) throw notFound('Order', id);
        return { status: 200, body: presentOrder(row.state, row.updated_at.toISOString()) };
      },
    }),
  ];
};
