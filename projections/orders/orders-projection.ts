import type { Insertable, Transaction } from 'kysely';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import { upcast } from '../../domain/event-catalog.ts';
import {
  type OrderEvent,
  type OrderEventOf,
  type OrderingEventType,
  orderingEventSchemas,
} from '../../domain/ordering/events.ts';
import { evolve, initialState, type OrderState } from '../../domain/ordering/order.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { erasureEventType, maskOrdersOf } from './erasure.ts';
import type { OrdersTables } from './orders-tables.ts';

export type { OrderRow, OrdersTables } from './orders-tables.ts';

/** Listing is per user newest first (or everyone's for admins), optionally by status. */
const ddl = (schema: string) => `
CREATE TABLE ${schema}.orders (
  order_id text PRIMARY KEY,
  user_id text NOT NULL,
  status text NOT NULL,
  total bigint NOT NULL,
  currency text NOT NULL,
  item_count integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX orders_user_idx ON ${schema}.orders (user_id, created_at DESC, order_id DESC);
CREATE INDEX orders_user_status_idx ON ${schema}.orders (user_id, status, created_at DESC, order_id DESC);
CREATE INDEX orders_newest_idx ON ${schema}.orders (created_at DESC, order_id DESC);
CREATE INDEX orders_status_idx ON ${schema}.orders (status, created_at DESC, order_id DESC);
`;

const isOrderEvent = (type: string): type is OrderingEventType => type in orderingEventSchemas;

/** The latest instant the order has recorded (placing, confirming, shipping, a refund…). */
const lastChange = (state: OrderState, fallback: Date) => {
  const times = [...Object.values(state.timestamps), state.refund?.refundedAt].filter(
    (t): t is string => typeof t === 'string',
  );
  return times.length ? new Date(times.sort().at(-1)!) : fallback;
};

/** The domain event of a recorded one: upcast, then validated (throws on a malformed event). */
function decode(event: RecordedEvent & { type: OrderingEventType }): OrderEvent {
  // Upcast first: a store read without the upcasting edge hands over OrderPlaced v1 as written.
  const data = orderingEventSchemas[event.type].parse(upcast(event.type, event.data));
  return { type: event.type, data } as OrderEvent;
}

/** The row an OrderPlaced creates. */
function placedRow(event: RecordedEvent & { type: 'OrderPlaced' }): Insertable<OrdersTables['orders']> {
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
async function insertPlaced(rows: Insertable<OrdersTables['orders']>[], trx: Transaction<OrdersTables>) {
  for (let from = 0; from < rows.length; from += 1_000) {
    await trx
      .insertInto('orders')
      .values(rows.slice(from, from + 1_000))
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
  }
}

const isPlaced = (event: RecordedEvent): event is RecordedEvent & { type: 'OrderPlaced' } =>
  event.type === 'OrderPlaced';

async function apply(event: RecordedEvent, trx: Transaction<OrdersTables>) {
  if (event.type === erasureEventType) return maskOrdersOf(String(event.data.user_id), trx);
  if (!isOrderEvent(event.type)) return;
  if (isPlaced(event)) {
    await insertPlaced([placedRow(event)], trx);
    return;
  }
  const domainEvent = decode(event as RecordedEvent & { type: OrderingEventType });
  const revision = event.revision.toString();
  const row = await trx
    .selectFrom('orders')
    .select(['revision', 'state'])
    .where('order_id', '=', domainEvent.data.order_id)
    .forUpdate()
    .executeTakeFirst();
  // No row: an event of an order whose placement this model never saw; the fold cannot start without it.
  if (!row || BigInt(row.revision) >= event.revision) return;
  const state = evolve(row.state, domainEvent);
  await trx
    .updateTable('orders')
    .set({
      status: state.status,
      updated_at: lastChange(state, event.recordedAt),
      revision,
      state: JSON.stringify(state) as unknown as OrderState,
    })
    .where('order_id', '=', domainEvent.data.order_id)
    .execute();
}

/**
 * A batch as event by event, with each run of OrderPlaced written by one insert: placing an order reads
 * nothing, and the events after a run (they read the order's row, or mask a person's orders) see it
 * written first. A rebuild's log is mostly placements.
 */
async function applyBatch(events: readonly RecordedEvent[], trx: Transaction<OrdersTables>) {
  let run: Insertable<OrdersTables['orders']>[] = [];
  for (const event of events) {
    if (isPlaced(event)) {
      run.push(placedRow(event));
      continue;
    }
    if (run.length > 0) await insertPlaced(run, trx);
    run = [];
    await apply(event, trx);
  }
  if (run.length > 0) await insertPlaced(run, trx);
}

/** Orders for GET /orders (list) and GET /orders/{id} (detail from the folded state). */
export const ordersProjection: PgProjection = {
  kind: 'postgres',
  name: 'orders',
  eventTypes: [...Object.keys(orderingEventSchemas), erasureEventType],
  ddl,
  apply: (event, trx) => apply(event, trx as unknown as Transaction<OrdersTables>),
  applyBatch: (events, trx) => applyBatch(events, trx as unknown as Transaction<OrdersTables>),
};
