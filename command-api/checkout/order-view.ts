import type { OrderState } from '../../domain/ordering/order.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';

/** An order as the API shows it: money as two-decimal numbers, snake_case, the status machine's status. */
export function orderBody(orderId: string, state: OrderState) {
  const placed = state.placed;
  if (!placed || state.status === 'none') throw notFound('Order', orderId);
  const updatedAt = Object.values(state.timestamps).sort().at(-1) ?? placed.placed_at;
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
    created_at: placed.placed_at,
    updated_at: updatedAt,
  };
}
