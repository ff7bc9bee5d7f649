import { type Insertable, sql, type Transaction } from 'kysely';
import type { OrderingEventType } from '../../domain/ordering/events.ts';
import { evolve, type OrderState } from '../../domain/ordering/order.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { erasureEventType, maskOrdersOf } from './erasure.ts';
import { decode, insertPlaced, isOrderEvent, isPlaced, lastChange, placedRow } from './order-rows.ts';
import type { OrdersTables } from './orders-tables.ts';

type NewRow = Insertable<OrdersTables['orders']>;

/** One order as the batch sees it: as read (or placed in this batch), then as folded since. */
type Entry = {
  revision: bigint;
  /** The folded state as stored (JSON text), so each event folds what a read of the row would give. */
  state: string;
  status: string;
  updatedAt: Date;
  /** Placed in this batch: inserted at the end, with whatever followed folded in. */
  placed?: NewRow;
  dirty: boolean;
};

/**
 * A batch of the orders read model, leaving exactly the rows `apply` leaves event by event: the orders it
 * names are read once (locked), every event is folded in memory in log order under the same revision
 * guard, and the changed rows are written at the end, new ones with one insert, the others with one
 * update. An erasure (rare) writes what is folded so far, masks that person's orders in the table, and
 * reads them again when an event after it needs them.
 */
export async function applyOrdersBatch(
  events: readonly RecordedEvent[],
  trx: Transaction<OrdersTables>,
  schema: string,
) {
  const entries = new Map<string, Entry | null>();
  const load = async (ids: string[]) => {
    const missing = [...new Set(ids)].filter((id) => !entries.has(id));
    if (missing.length === 0) return;
    const rows = await trx
      .selectFrom('orders')
      .select(['order_id', 'revision', 'status', 'updated_at', 'state'])
      .where('order_id', 'in', missing)
      .forUpdate()
      .execute();
    for (const id of missing) entries.set(id, null);
    for (const row of rows)
      entries.set(row.order_id, {
        revision: BigInt(row.revision),
        state: JSON.stringify(row.state),
        status: row.status,
        updatedAt: row.updated_at,
        dirty: false,
      });
  };
  const orderId = (event: RecordedEvent) => String((event.data as { order_id?: unknown }).order_id);
  await load(events.filter((e) => isOrderEvent(e.type)).map(orderId));

  const write = async () => {
    const fresh: NewRow[] = [];
    const changed: {
      order_id: string;
      status: string;
      updated_at: Date;
      revision: string;
      state: unknown;
    }[] = [];
    for (const [id, entry] of entries) {
      if (!entry?.dirty) continue;
      entry.dirty = false;
      if (entry.placed) {
        fresh.push({
          ...entry.placed,
          status: entry.status,
          updated_at: entry.updatedAt,
          revision: entry.revision.toString(),
          state: entry.state as unknown as OrderState,
        });
        entry.placed = undefined;
      } else
        changed.push({
          order_id: id,
          status: entry.status,
          updated_at: entry.updatedAt,
          revision: entry.revision.toString(),
          state: JSON.parse(entry.state),
        });
    }
    if (fresh.length > 0) await insertPlaced(fresh, trx);
    if (changed.length > 0)
      await sql`
        UPDATE ${sql.id(schema, 'orders')} AS o
           SET status = r.status, updated_at = r.updated_at, revision = r.revision, state = r.state
          FROM jsonb_to_recordset(${JSON.stringify(changed)}::jsonb)
            AS r(order_id text, status text, updated_at timestamptz, revision bigint, state jsonb)
         WHERE o.order_id = r.order_id`.execute(trx);
  };

  for (const event of events) {
    if (event.type === erasureEventType) {
      await write();
      await maskOrdersOf(String(event.data.user_id), trx);
      entries.clear();
      continue;
    }
    if (!isOrderEvent(event.type)) continue;
    const id = orderId(event);
    await load([id]);
    const entry = entries.get(id);
    if (isPlaced(event)) {
      const row = placedRow(event); // validates, as event by event
      if (entry) continue; // placed already: the row stays as it is
      entries.set(id, {
        revision: event.revision,
        state: row.state as unknown as string,
        status: row.status,
        updatedAt: row.updated_at as Date,
        placed: row,
        dirty: true,
      });
      continue;
    }
    const domainEvent = decode(event as RecordedEvent & { type: OrderingEventType });
    // No row: an event of an order whose placement this model never saw; the fold cannot start without it.
    if (!entry || entry.revision >= event.revision) continue;
    const state = evolve(JSON.parse(entry.state) as OrderState, domainEvent);
    entry.state = JSON.stringify(state);
    entry.status = state.status;
    entry.updatedAt = lastChange(state, event.recordedAt);
    entry.revision = event.revision;
    entry.dirty = true;
  }
  await write();
}
