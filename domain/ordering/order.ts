import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import {
  alreadyExists,
  DomainError,
  ErrorCode,
  illegalTransition,
  invalid,
  notFound,
} from '../shared/errors.ts';
import type { OrderId } from '../shared/ids.ts';
import { instantMs } from '../shared/time.ts';
import { MAX_TEXT_LENGTH, MAX_TRACKING_NUMBER_LENGTH, type OrderCommand } from './commands.ts';
import type { OrderEvent, OrderPlacedData, OrderStatus } from './events.ts';
import { orderPlaced } from './order-placement.ts';
import { upcastOrderPlaced } from './upcast.ts';

/**
 * Order, stream `order-<orderId>`.
 * Status machine (API.md): pending → confirmed → processing → shipped → delivered; cancelled from pending,
 * confirmed or processing. Any other move is BIZ_4006.
 *
 * A declined payment does not move the order: it stays `pending` (API.md has no payment-failed status, and a
 * declined POST /orders answers 402 with the reservation kept until it lapses). The decline is recorded as
 * OrderPaymentFailed; the order may still be confirmed by a later successful charge, or cancelled (refund 0),
 * e.g. by the checkout workflow once its reservation has lapsed.
 */
export const orderStream = (orderId: OrderId) => `order-${orderId}`;

export type OrderState = {
  status: 'none' | OrderStatus;
  /** Items, addresses, totals and pricing as placed; null before PlaceOrder. */
  placed: OrderPlacedData | null;
  payment: { paymentId: string; amount: number; confirmedAt: string } | null;
  paymentFailures: { reason: string; failedAt: string }[];
  trackingNumber: string | null;
  timestamps: Partial<Record<OrderStatus, string>>;
  cancellation: { by: string; role: string; reason: string; refundAmount: number } | null;
  refund: { refundId: string; amount: number; refundedAt: string } | null;
};

export const initialState = (): OrderState => ({
  status: 'none',
  placed: null,
  payment: null,
  paymentFailures: [],
  trackingNumber: null,
  timestamps: {},
  cancellation: null,
  refund: null,
});

/** Charged: a cancellation then owes a refund of the full total (API.md). */
const isPaid = (state: OrderState) => state.payment !== null;

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  const order_id = command.data.orderId;
  instantMs(command.data.now, 'now');
  if (command.type === 'PlaceOrder') {
    if (state.status !== 'none') throw alreadyExists(`Order ${order_id}`);
    return [orderPlaced(command)];
  }
  const placed = state.placed;
  if (state.status === 'none' || placed === null) throw notFound('Order', order_id);
  const from = state.status;
  const move = (to: OrderStatus, action: string) => {
    if (!canMove(from, to)) throw illegalTransition('order', from, action);
  };

  switch (command.type) {
    case 'ConfirmOrder': {
      const { paymentId, amount, now } = command.data;
      // The same confirmation again (the workflow resuming after a crash) decides nothing.
      if (state.payment?.paymentId === paymentId) return [];
      move('confirmed', 'confirm');
      required('payment_id', paymentId);
      if (amount !== placed.total)
        throw invalid('amount', `charged ${amount} but the order total is ${placed.total}`);
      return [
        {
          type: 'OrderConfirmed',
          data: { schema_version: 1, order_id, payment_id: paymentId, amount, confirmed_at: now },
        },
      ];
    }
    case 'MarkPaymentFailed': {
      const { reason, now } = command.data;
      if (from !== 'pending') throw illegalTransition('order', from, 'fail the payment of');
      return [
        {
          type: 'OrderPaymentFailed',
          data: { schema_version: 1, order_id, reason: text('reason', reason), failed_at: now },
        },
      ];
    }
    case 'ProcessOrder':
      move('processing', 'process');
      return [
        {
          type: 'OrderProcessingStarted',
          data: { schema_version: 1, order_id, processing_at: command.data.now },
        },
      ];
    case 'ShipOrder': {
      move('shipped', 'ship');
      const tracking_number = text(
        'tracking_number',
        command.data.trackingNumber,
        MAX_TRACKING_NUMBER_LENGTH,
      );
      return [
        {
          type: 'OrderShipped',
          data: { schema_version: 1, order_id, tracking_number, shipped_at: command.data.now },
        },
      ];
    }
    case 'DeliverOrder':
      move('delivered', 'deliver');
      return [
        { type: 'OrderDelivered', data: { schema_version: 1, order_id, delivered_at: command.data.now } },
      ];
    case 'CancelOrder': {
      const { actor, reason, now } = command.data;
      // Someone else's order does not exist for a customer (API.md: 404, never 403, so ids cannot be probed).
      if (actor.role !== 'admin' && actor.userId !== placed.user_id) throw notFound('Order', order_id);
      if (from !== 'pending' && from !== 'confirmed' && from !== 'processing')
        throw illegalTransition('order', from, 'cancel');
      return [
        {
          type: 'OrderCancelled',
          data: {
            schema_version: 1,
            order_id,
            cancelled_by: actor.userId,
            cancelled_by_role: actor.role,
            reason: text('reason', reason),
            previous_status: from,
            reservation_id: placed.reservation_id,
            refund_amount: isPaid(state) ? placed.total : 0,
            currency: placed.currency,
            cancelled_at: now,
          },
        },
      ];
    }
    case 'RecordRefund': {
      const { refundId, amount, now } = command.data;
      if (state.refund?.refundId === refundId) return [];
      const owed = state.cancellation?.refundAmount ?? 0;
      if (from !== 'cancelled' || owed === 0 || state.refund !== null)
        throw illegalTransition('order', state.refund ? 'refunded' : from, 'refund');
      required('refund_id', refundId);
      if (amount !== owed) throw invalid('amount', `refunded ${amount} but ${owed} is owed`);
      return [
        {
          type: 'OrderRefunded',
          data: {
            schema_version: 1,
            order_id,
            refund_id: refundId,
            amount,
            currency: placed.currency,
            refunded_at: now,
          },
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** The status machine as data, so tests and read models can ask it. */
export const canMove = (from: OrderStatus, to: OrderStatus): boolean => transitions[from].includes(to);

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced':
      return {
        ...state,
        status: 'pending',
        placed: upcastOrderPlaced(event.data),
        timestamps: { pending: event.data.placed_at },
      };
    case 'OrderConfirmed': {
      const { payment_id, amount, confirmed_at } = event.data;
      return {
        ...state,
        status: 'confirmed',
        payment: { paymentId: payment_id, amount, confirmedAt: confirmed_at },
        timestamps: { ...state.timestamps, confirmed: confirmed_at },
      };
    }
    case 'OrderPaymentFailed':
      return {
        ...state,
        paymentFailures: [
          ...state.paymentFailures,
          { reason: event.data.reason, failedAt: event.data.failed_at },
        ],
      };
    case 'OrderProcessingStarted':
      return {
        ...state,
        status: 'processing',
        timestamps: { ...state.timestamps, processing: event.data.processing_at },
      };
    case 'OrderShipped':
      return {
        ...state,
        status: 'shipped',
        trackingNumber: event.data.tracking_number,
        timestamps: { ...state.timestamps, shipped: event.data.shipped_at },
      };
    case 'OrderDelivered':
      return {
        ...state,
        status: 'delivered',
        timestamps: { ...state.timestamps, delivered: event.data.delivered_at },
      };
    case 'OrderCancelled': {
      const { cancelled_by, cancelled_by_role, reason, refund_amount, cancelled_at } = event.data;
      return {
        ...state,
        status: 'cancelled',
        cancellation: { by: cancelled_by, role: cancelled_by_role, reason, refundAmount: refund_amount },
        timestamps: { ...state.timestamps, cancelled: cancelled_at },
      };
    }
    case 'OrderRefunded': {
      const { refund_id, amount, refunded_at } = event.data;
      return { ...state, refund: { refundId: refund_id, amount, refundedAt: refunded_at } };
    }
    default:
      return unreachable(event);
  }
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = { decide, evolve, initialState };

function required(field: string, value: string) {
  if (value.trim() === '')
    throw new DomainError(ErrorCode.RequiredFieldMissing, `${field} is required`, [
      { field, message: 'required' },
    ]);
}

/** A required free text, trimmed and bounded. */
function text(field: string, value: string, max = MAX_TEXT_LENGTH): string {
  required(field, value);
  const trimmed = value.trim();
  if (trimmed.length > max) throw invalid(field, `at most ${max} characters`);
  return trimmed;
}
