import { type Router as ExpressRouter, Router } from 'express';
import { z } from 'zod';
import { orderStatuses } from '../../domain/ordering/events.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { presentOrder } from '../../infra/http/order-body.ts';
import { parseInput } from '../../infra/http/validation.ts';
import { consistency, servingSchema } from '../consistency.ts';
import { createOrderQueries, listedOrder } from '../order-queries.ts';
import { paginationOf } from '../presenters.ts';
import { pagination } from '../query-params.ts';
import type { RouteContext } from '../route-context.ts';

/** GET /orders query (also documented in docs/openapi). */
export const listOrdersQuery = z.object({ ...pagination, status: z.enum(orderStatuses).optional() });

/**
 * GET /orders (a customer's own, an admin's all) and GET /orders/{id} (owner or admin). Someone else's order
 * is 404, exactly like an unknown one, so order ids cannot be probed.
 */
export const orderRoutes = (context: RouteContext): ExpressRouter => {
  const queries = createOrderQueries(context.db);
  const router = Router();
  const readsOrders = consistency(context.watcher, ['orders'], context.consistencyWaitMs);
  const access = requireRole('customer', 'admin');

  router.get('/orders', context.authenticate, access, readsOrders, async (req, res) => {
    const q = parseInput(listOrdersQuery, req.query, 'query');
    const auth = req.auth!;
    const { rows, total } = await queries.list(servingSchema(context.watcher, 'orders'), {
      page: q.page,
      limit: q.limit,
      status: q.status,
      userId: auth.role === 'admin' ? undefined : auth.userId,
    });
    res.json({ orders: rows.map(listedOrder), pagination: paginationOf(q.page, q.limit, total) });
  });

  router.get('/orders/:order_id', context.authenticate, access, readsOrders, async (req, res) => {
    const id = String(req.params.order_id);
    if (!isId('order', id)) throw notFound('Order', id);
    const row = await queries.order(servingSchema(context.watcher, 'orders'), id);
    const auth = req.auth!;
    if (!row || (auth.role !== 'admin' && row.user_id !== auth.userId)) throw notFound('Order', id);
    res.json(presentOrder(row.state, row.updated_at.toISOString()));
  });

  return router;
};
