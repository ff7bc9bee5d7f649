import type { Insertable, Transaction } from 'kysely';
import { upcast } from '../../domain/event-catalog.ts';
import {
  type OrderEvent,
  type OrderEventOf,
  type OrderingEventType,
  orderingEventSchemas,
} from '../../domain/ordering/events.ts';
import { evolve, initialState, type OrderState } from '../../domain/ordering/order.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { OrdersTables } from './orders-tables.ts';

/** What the orders read model's event-by-event and batch paths share: decoding and the row of a placement. */
export const isOrderEvent = (type: string): type is OrderingEventType => type in orderingEventSchemas;

/** The latest instant the order has recorded (placing, confirming, shipping, a refund…). */
export const lastChange = (state: OrderState, fallback: Date) => {
  const times = [...Object.values(state.timestamps), state.refund?.refundedAt].filter(
    (t): t is string => typeof t === 'string',
  );
  return times.length ? new Date(times.sort().at(-1)!) : fallback;
};

/** The domain event of a recorded one: upcast, then validated (throws on a malformed event). */
export function decode(event: RecordedEvent & { type: OrderingEventType }): OrderEvent {
  // Upcast first: a store read without the upcasting edge hands over OrderPlaced v1 as written.
  const data = orderingEventSchemas[event.type].parse(upcast(event.type, event.data));
  return { type: event.type, data } as OrderEvent;
}

/** The row an OrderPlaced creates. */
export function placedRow(
  event: RecordedEvent & { type: 'OrderPlaced' },
): Insertable<OrdersTables['orders']> {
  const domainEvent = decode(event) as OrderEventOf<'OrderPlaced'>;
  const placed = domainEvent.data;
  const state = evolve(initialState(), domainEvent);
  return {
    order_id: placed.order_id,
    user_id: placed.user_id,
    status: state.status,
    total: String(placed.total),
    currency: placed.currency,
    item_count: placed.items.reduce((sum, item) => sum + item.quantity, 0),
    created_at: new Date(placed.placed_at),
    updated_at: new Date(placed.placed_at),
    revision: event.revision.toString(),
    state: JSON.stringify(state) as unknown as OrderState,
  };
}

/** Places orders, 1,000 a statement (10 parameters a row); one already there (a replayed event) stays. */
export async function insertPlaced(
  rows: Insertable<OrdersTables['orders']>[],
  trx: Transaction<OrdersTables>,
) {
  for (let from = 0; from < rows.length; from += 1_000) {
    await trx
      .insertInto('orders')
      .values(rows.slice(from, from + 1_000))
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
  }
}

export const isPlaced = (event: RecordedEvent): event is RecordedEvent & { type: 'OrderPlaced' } =>
  event.type === 'OrderPlaced';
