import type { Transaction } from 'kysely';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import { type OrderingEventType, orderingEventSchemas } from '../../domain/ordering/events.ts';
import { evolve, type OrderState } from '../../domain/ordering/order.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { erasureEventType, maskOrdersOf } from './erasure.ts';
import { decode, insertPlaced, isOrderEvent, isPlaced, lastChange, placedRow } from './order-rows.ts';
import { applyOrdersBatch } from './orders-batch.ts';
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
CREATE INDEX orders_cancelled_by_idx ON ${schema}.orders ((state -> 'cancellation' ->> 'by'))
  WHERE (state -> 'cancellation' ->> 'by') IS NOT NULL;
`;

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

/** Orders for GET /orders (list) and GET /orders/{id} (detail from the folded state). */
export const ordersProjection: PgProjection = {
  kind: 'postgres',
  name: 'orders',
  eventTypes: [...Object.keys(orderingEventSchemas), erasureEventType],
  ddl,
  apply: (event, trx) => apply(event, trx as unknown as Transaction<OrdersTables>),
  applyBatch: (events, trx, context) =>
    applyOrdersBatch(events, trx as unknown as Transaction<OrdersTables>, context.schema),
};
