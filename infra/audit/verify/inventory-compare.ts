import { type Kysely, sql } from 'kysely';
import { type Position, parsePosition } from '../../eventstore/position.ts';
import type { FindingSink } from './findings.ts';

export type StockLevels = Map<string, { onHand: number; reserved: number }>;

export type InventorySnapshot = { position: Position | undefined; generation: number; rows: StockLevels };

/**
 * The serving generation of the inventory read model and the checkpoint it stands at, read in one snapshot
 * so the rows are exactly what that checkpoint reflects. Undefined when the read model does not exist here.
 */
// biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
export async function readInventory(db: Kysely<any>): Promise<InventorySnapshot | undefined> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const exists = await sql<{
        t: string | null;
      }>`SELECT to_regclass('projection_generations')::text AS t`.execute(trx);
      if (!exists.rows[0]?.t) return undefined;
      const pointer = await sql<{ serving: number; position: string | null }>`
        SELECT g.serving, c.position FROM projection_generations g
        LEFT JOIN projection_checkpoints c ON c.projection = g.projection AND c.generation = g.serving
        WHERE g.projection = 'inventory'`.execute(trx);
      const row = pointer.rows[0];
      if (!row) return undefined;
      const schema = `rm_inventory_g${Number(row.serving)}`;
      const { rows } = await sql<{ product_id: string; on_hand: number; reserved: number }>`
        SELECT product_id, on_hand, reserved FROM ${sql.table(`${schema}.stock`)}`.execute(trx);
      return {
        position: row.position ? parsePosition(row.position) : undefined,
        generation: Number(row.serving),
        rows: new Map(rows.map((r) => [r.product_id, { onHand: r.on_hand, reserved: r.reserved }])),
      };
    });
}

/** Every product whose read-model levels differ from the fold of its stock stream at the same position. */
export function compareInventory(
  snapshot: InventorySnapshot,
  folded: StockLevels,
  report: FindingSink,
): number {
  let differences = 0;
  const ids = new Set([...snapshot.rows.keys(), ...folded.keys()]);
  for (const productId of ids) {
    const model = snapshot.rows.get(productId);
    const fold = folded.get(productId);
    if (model && fold && model.onHand === fold.onHand && model.reserved === fold.reserved) continue;
    differences += 1;
    report({
      kind: 'read-model-mismatch',
      stream: `stock-${productId}`,
      message: `inventory g${snapshot.generation}: read model ${model ? `on_hand ${model.onHand}, reserved ${model.reserved}` : 'has no row'}; fold ${fold ? `on_hand ${fold.onHand}, reserved ${fold.reserved}` : 'has no stream'}`,
    });
  }
  return differences;
}
