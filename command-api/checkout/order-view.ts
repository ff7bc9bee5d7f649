import type { OrderState } from '../../domain/ordering/order.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { presentOrder } from '../../infra/http/order-body.ts';

/** The order a command left, as the query API shows it too; 404 when there is none. */
export function orderBody(orderId: string, state: OrderState) {
  const placed = state.placed;
  if (!placed || state.status === 'none') throw notFound('Order', orderId);
  const updatedAt = Object.values(state.timestamps).sort().at(-1) ?? placed.placed_at;
  return presentOrder(state, updatedAt);
}
