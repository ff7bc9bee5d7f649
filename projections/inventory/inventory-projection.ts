import { type Generated, sql, type Transaction } from 'kysely';
import type { ApplyContext, PgProjection, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { type InventoryEventType, inventoryEventSchemas } from '../../domain/inventory/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

export type StockRow = {
  product_id: string;
  on_hand: number;
  reserved: number;
  /** Generated: on_hand - reserved. */
  available: Generated<number>;
  /** Revision of the stock stream this row reflects. */
  revision: string;
  updated_at: Date;
};

export type InventoryTables = { stock: StockRow };

const ddl = (schema: string) => `
CREATE TABLE ${schema}.stock (
  product_id text PRIMARY KEY,
  on_hand integer NOT NULL,
  reserved integer NOT NULL,
  available integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
  revision bigint NOT NULL,
  updated_at timestamptz NOT NULL
);
`;

const isInventoryEvent = (type: string): type is InventoryEventType => type in inventoryEventSchemas;

/**
 * Every inventory event carries the levels after it, so the row is simply set to them; the stream revision
 * guard keeps an older event from overwriting a newer state.
 */
async function apply(
  event: RecordedEvent,
  trx: Transaction<InventoryTables>,
  invalidate: (key: string) => void,
) {
  if (!isInventoryEvent(event.type)) return;
  const data = inventoryEventSchemas[event.type].parse(event.data);
  if (data.variant_id) return; // a variant's stock: the variants projection keeps it
  const occurredAt = event.metadata.occurred_at ? new Date(event.metadata.occurred_at) : event.recordedAt;
  await trx
    .insertInto('stock')
    .values({
      product_id: data.product_id,
      on_hand: data.on_hand,
      reserved: data.reserved,
      revision: event.revision.toString(),
      updated_at: occurredAt,
    })
    .onConflict((oc) =>
      oc
        .column('product_id')
        .doUpdateSet((eb) => ({
          on_hand: eb.ref('excluded.on_hand'),
          reserved: eb.ref('excluded.reserved'),
          revision: eb.ref('excluded.revision'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .whereRef('stock.revision', '<', 'excluded.revision'),
    )
    .execute();
  invalidate(data.product_id);
}

/**
 * The set-based path: since each event carries the levels after it, only the newest event per product in
 * the batch matters. One `INSERT … SELECT FROM unnest(…)` writes them, with the same revision guard, so the
 * rows equal those of applying every event in turn.
 */
async function applyBatch(events: readonly RecordedEvent[], trx: ReadModelTrx, context: ApplyContext) {
  const newest = new Map<string, { onHand: number; reserved: number; revision: bigint; at: Date }>();
  for (const event of events) {
    if (!isInventoryEvent(event.type)) continue;
    const data = inventoryEventSchemas[event.type].parse(event.data);
    if (data.variant_id) continue;
    context.invalidate(data.product_id);
    const seen = newest.get(data.product_id);
    // Event by event, an equal or older revision would not overwrite the row either.
    if (seen && seen.revision >= event.revision) continue;
    const at = event.metadata.occurred_at ? new Date(event.metadata.occurred_at) : event.recordedAt;
    newest.set(data.product_id, {
      onHand: data.on_hand,
      reserved: data.reserved,
      revision: event.revision,
      at,
    });
  }
  if (newest.size === 0) return;
  const rows = [...newest.entries()];
  await sql`
    INSERT INTO ${sql.id(context.schema, 'stock')} AS stock (product_id, on_hand, reserved, revision, updated_at)
    SELECT * FROM unnest(
      ${rows.map(([id]) => id)}::text[], ${rows.map(([, r]) => r.onHand)}::integer[],
      ${rows.map(([, r]) => r.reserved)}::integer[], ${rows.map(([, r]) => r.revision.toString())}::bigint[],
      ${rows.map(([, r]) => r.at.toISOString())}::timestamptz[])
    ON CONFLICT (product_id) DO UPDATE SET
      on_hand = excluded.on_hand, reserved = excluded.reserved,
      revision = excluded.revision, updated_at = excluded.updated_at
    WHERE stock.revision < excluded.revision`.execute(trx);
}

/** Stock per product: on hand, reserved, available. Also feeds `stock_quantity`/`in_stock` of the catalog. */
export const inventoryProjection: PgProjection = {
  kind: 'postgres',
  name: 'inventory',
  eventTypes: Object.keys(inventoryEventSchemas),
  ddl,
  apply: (event, trx, context) =>
    apply(event, trx as unknown as Transaction<InventoryTables>, (key) => context.invalidate(key)),
  applyBatch,
};
