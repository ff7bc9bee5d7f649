import { sql, type Transaction } from 'kysely';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/** The process manager's projection: its rows are durable timers, written with its checkpoint. */
export const PM_PROJECTION = 'process_manager';
/** NOTIFY channel: a timer was added, so sleeping claim loops re-arm for the nearest due time. */
export const TIMER_CHANNEL = 'pm_timers';

export type TimerKind =
  | 'expire-reservation'
  | 'settle-payment'
  | 'complete-order'
  | 'cancel-effects'
  | 'expire-cart'
  /** An order's confirmed payment or refund counted towards its customer's earned tier (earned-tier.ts). */
  | 'earn-tier';

export type TimerRow = {
  kind: TimerKind;
  key: string;
  due_at: Date;
  payload: Record<string, string>;
  attempts: number;
};
type Tables = { timers: TimerRow };

export type ProcessManagerTimings = {
  /** How long a pending order may wait for its payment to settle before the process manager looks. */
  settleAfterMs: number;
  /** How long after a confirmation the process manager checks that stock was committed and the cart closed. */
  completeAfterMs: number;
  /** How long after a cancellation it checks that stock came back and the refund went out. */
  cancelAfterMs: number;
  /** A guest cart's lifetime without a change (GUEST_CART_TTL_DAYS). */
  guestCartTtlMs: number;
  /** A customer's cart's lifetime without a change (CART_TTL_DAYS). */
  cartTtlMs: number;
};

const DAY_MS = 86_400_000;

export const defaultTimings: ProcessManagerTimings = {
  settleAfterMs: 30_000,
  completeAfterMs: 10_000,
  cancelAfterMs: 10_000,
  guestCartTtlMs: 7 * DAY_MS,
  cartTtlMs: 30 * DAY_MS,
};

/** Every change of a cart restarts its expiry timer; these end it (the cart is empty or gone). */
const cartChanges = [
  'ItemAddedToCart',
  'CartItemQuantityChanged',
  'CartItemRemoved',
  'CartMergedFromGuest',
  'CartLineRepriced',
  'CartCheckoutEnded',
];
const cartEnds = ['CartCleared', 'CartCheckedOut', 'CartExpired', 'GuestCartMerged'];

const ddl = (schema: string) => `
CREATE TABLE ${schema}.timers (
  kind text NOT NULL,
  key text NOT NULL,
  due_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, key)
);
CREATE INDEX timers_due ON ${schema}.timers (due_at);
`;

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms);
type Data = Record<string, string>;

/**
 * Records a timer per StockReserved (due at its expiry) and per workflow step that must be checked later
 * (a placed order's payment, a confirmed order's completion, a cancellation's effects), and per cart its
 * expiry (restarted by each change), and removes each when the event that makes it pointless arrives. A rebuild folds the same rows again from the log.
 */
export function processManagerProjection(timings: ProcessManagerTimings = defaultTimings): PgProjection {
  async function add(trx: Transaction<Tables>, kind: TimerKind, key: string, dueAt: Date, payload: Data) {
    await trx
      .insertInto('timers')
      .values({ kind, key, due_at: dueAt, payload: JSON.stringify(payload) as never, attempts: 0 })
      .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
      .execute();
    // Delivered at commit; identical notifications of one transaction are folded into one.
    await sql`SELECT pg_notify(${TIMER_CHANNEL}, '')`.execute(trx);
  }
  /** Sets (or moves later) a timer: replaying an older event never pulls a newer due time back. */
  async function restart(trx: Transaction<Tables>, kind: TimerKind, key: string, dueAt: Date, payload: Data) {
    await trx
      .insertInto('timers')
      .values({ kind, key, due_at: dueAt, payload: JSON.stringify(payload) as never, attempts: 0 })
      .onConflict((oc) =>
        oc
          .columns(['kind', 'key'])
          .doUpdateSet((eb) => ({
            due_at: eb.ref('excluded.due_at'),
            payload: eb.ref('excluded.payload'),
            attempts: 0,
          }))
          .where('timers.due_at', '<', (eb) => eb.ref('excluded.due_at')),
      )
      .execute();
    await sql`SELECT pg_notify(${TIMER_CHANNEL}, '')`.execute(trx);
  }
  const remove = (trx: Transaction<Tables>, kind: TimerKind, key: string) =>
    trx.deleteFrom('timers').where('kind', '=', kind).where('key', '=', key).execute();

  return {
    kind: 'postgres',
    name: PM_PROJECTION,
    eventTypes: [
      'StockReserved',
      'ReservationReleased',
      'ReservationExpired',
      'ReservationCommitted',
      'OrderPlaced',
      'OrderConfirmed',
      'OrderCancelled',
      'OrderRefunded',
      'CheckoutCompleted',
      ...cartChanges,
      ...cartEnds,
    ],
    ddl,
    // biome-ignore lint/suspicious/noExplicitAny: the runner's PgProjection type hands every projection Transaction<any>
    async apply(event: RecordedEvent, anyTrx: Transaction<any>) {
      const trx = anyTrx as Transaction<Tables>;
      const data = event.data as Data;
      const traceparent = event.metadata.traceparent;
      // The traceparent lets the timer's span link to the command behind the event that set it.
      const cause = {
        correlation_id: String(event.metadata.correlation_id ?? ''),
        causation_id: event.id,
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
      };
      if (cartChanges.includes(event.type) || cartEnds.includes(event.type)) {
        const owner = data.user_id!;
        if (cartEnds.includes(event.type)) {
          await remove(trx, 'expire-cart', owner);
          return;
        }
        const ttl = owner.startsWith('gst_') ? timings.guestCartTtlMs : timings.cartTtlMs;
        return restart(trx, 'expire-cart', owner, new Date(event.recordedAt.getTime() + ttl), {
          owner_id: owner,
          idle_ms: String(ttl),
          ...cause,
        });
      }
      switch (event.type) {
        case 'StockReserved':
          return add(
            trx,
            'expire-reservation',
            `${data.reservation_id}:${itemKey({ product_id: data.product_id!, variant_id: data.variant_id })}`,
            new Date(data.expires_at!),
            {
              reservation_id: data.reservation_id!,
              product_id: data.product_id!,
              ...(data.variant_id ? { variant_id: data.variant_id } : {}),
              ...cause,
            },
          );
        case 'ReservationReleased':
        case 'ReservationExpired':
        case 'ReservationCommitted':
          await remove(
            trx,
            'expire-reservation',
            `${data.reservation_id}:${itemKey({ product_id: data.product_id!, variant_id: data.variant_id })}`,
          );
          return;
        case 'OrderPlaced':
          return add(trx, 'settle-payment', data.order_id!, plus(data.placed_at!, timings.settleAfterMs), {
            order_id: data.order_id!,
            ...cause,
          });
        case 'OrderConfirmed':
          await remove(trx, 'settle-payment', data.order_id!);
          await add(trx, 'earn-tier', `confirmed:${data.order_id}`, new Date(data.confirmed_at!), {
            order_id: data.order_id!,
            spend_kind: 'confirmed',
            ...cause,
          });
          return add(
            trx,
            'complete-order',
            data.order_id!,
            plus(data.confirmed_at!, timings.completeAfterMs),
            {
              order_id: data.order_id!,
              ...cause,
            },
          );
        case 'CheckoutCompleted':
          await remove(trx, 'complete-order', data.order_id!);
          return;
        case 'OrderCancelled':
          await remove(trx, 'settle-payment', data.order_id!);
          await remove(trx, 'complete-order', data.order_id!);
          return add(trx, 'cancel-effects', data.order_id!, plus(data.cancelled_at!, timings.cancelAfterMs), {
            order_id: data.order_id!,
            ...cause,
          });
        case 'OrderRefunded':
          await remove(trx, 'cancel-effects', data.order_id!);
          return add(trx, 'earn-tier', `refunded:${data.order_id}`, new Date(data.refunded_at!), {
            order_id: data.order_id!,
            spend_kind: 'refunded',
            ...cause,
          });
        default:
          return;
      }
    },
  };
}
