import type { Transaction } from 'kysely';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import { upcast } from '../../domain/event-catalog.ts';
import {
  type OrderEvent,
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

async function apply(event: RecordedEvent, trx: Transaction<OrdersTables>) {
  if (event.type === erasureEventType) return maskOrdersOf(String(event.data.user_id), trx);
  if (!isOrderEvent(event.type)) return;
  const domainEvent = {
    type: event.type,
    // Upcast first: a store read without the upcasting edge (bin/replay's) hands over OrderPlaced v1 as written.
    data: orderingEventSchemas[event.type].parse(upcast(event.type, event.data)),
  } as OrderEvent;
  const revision = event.revision.toString();
  if (domainEvent.type === 'OrderPlaced') {
    const placed = domainEvent.data;
    const state = evolve(initialState(), domainEvent);
    await trx
      .insertInto('orders')
      .values({
        order_id: placed.order_id,
        user_id: placed.user_id,
        status: state.status,
        total: String(placed.total),
        currency: placed.currency,
        item_count: placed.items.reduce((sum, item) => sum + item.quantity, 0),
        created_at: new Date(placed.placed_at),
        updated_at: new Date(placed.placed_at),
        revision,
        state: JSON.stringify(state) as unknown as OrderState,
      })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
    return;
  }
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

/** Orders for GET /orders (list) and GET /orders/{id} (detail from the folded state). */
export const ordersProjection: PgProjection = {
  kind: 'postgres',
  name: 'orders',
  eventTypes: [...Object.keys(orderingEventSchemas), erasureEventType],
  ddl,
  apply: (event, trx) => apply(event, trx as unknown as Transaction<OrdersTables>),
};
