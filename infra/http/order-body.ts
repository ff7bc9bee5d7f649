import type { OrderState } from '../../domain/ordering/order.ts';
import { upcastOrderPlaced } from '../../domain/ordering/upcast.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';

/**
 * The full order as both APIs show it (API.md): items, addresses, totals, tracking number, payment,
 * cancellation, every timestamp; money as two-decimal numbers. The state must hold a placed order.
 */
export function presentOrder(state: OrderState, updatedAt: string) {
  // A read model row folded before OrderPlaced v2 holds v1 data: upcast here too (harmless on v2).
  const placed = upcastOrderPlaced(state.placed!);
  return {
    order_id: placed.order_id,
    user_id: placed.user_id,
    status: state.status,
    reservation_id: placed.reservation_id,
    items: placed.items.map((item) => ({
      product_id: item.product_id,
      product_name: item.product_name,
      ...(item.variant_id ? { variant_id: item.variant_id, sku: item.sku ?? '' } : {}),
      quantity: item.quantity,
      list_price: toMajorUnits(item.list_price),
      unit_price: toMajorUnits(item.unit_price),
      subtotal: toMajorUnits(item.subtotal),
      // Why the line cost what it cost: each step of the price calculation, base first.
      steps: item.steps.map((step) => ({
        step: step.step,
        ...(step.rule_id !== undefined ? { rule_id: step.rule_id } : {}),
        label: step.label,
        unit_price: toMajorUnits(step.unit_price),
      })),
    })),
    item_count: placed.items.reduce((sum, item) => sum + item.quantity, 0),
    subtotal: toMajorUnits(placed.subtotal),
    discount: toMajorUnits(placed.discount),
    coupon: placed.coupon,
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
    updated_at: updatedAt,
  };
}
