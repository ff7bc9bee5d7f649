import { type Kysely, sql } from 'kysely';
import type { ProductState } from '../../../domain/catalog/product.ts';
import type { StockState } from '../../../domain/inventory/stock.ts';
import { type Position, parsePosition } from '../../../infra/eventstore/position.ts';
import type { FindingSink } from './findings.ts';

/** Folded states by stream name, as the verify pass holds them. */
export type FoldedStates = ReadonlyMap<string, unknown>;

/**
 * One read model compared with a fresh fold: its rows and its checkpoint are read in one snapshot; the pass
 * captures the fold when it reaches that checkpoint, so a lagging projection is not counted as wrong.
 */
export type ReadModelCheck = {
  name: string;
  generation: number;
  position: Position | undefined;
  rows: number;
  /** Takes what it needs from the states at the checkpoint (called once). */
  capture(states: FoldedStates): void;
  /** Reports each difference; returns how many. */
  compare(report: FindingSink): number;
};

export type Row = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
export type Db = Kysely<any>;

/** The serving generation's rows of `table` and its checkpoint, in one repeatable-read snapshot. */
export async function servingRows(db: Db, projection: string, table: string, columns: string) {
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
        WHERE g.projection = ${projection}`.execute(trx);
      const row = pointer.rows[0];
      if (!row) return undefined;
      const generation = Number(row.serving);
      const { rows } =
        await sql<Row>`SELECT ${sql.raw(columns)} FROM ${sql.table(`rm_${projection}_g${generation}.${table}`)}`.execute(
          trx,
        );
      return { generation, position: row.position ? parsePosition(row.position) : undefined, rows };
    });
}

export const prefixed = (states: FoldedStates, prefix: string) =>
  [...states]
    .filter(([stream]) => stream.startsWith(prefix))
    .map(([stream, state]) => [stream.slice(prefix.length), state] as const);

/** Inventory: on_hand and reserved per product against the stock streams' fold. */
export async function inventoryCheck(db: Db): Promise<ReadModelCheck | undefined> {
  const serving = await servingRows(db, 'inventory', 'stock', 'product_id, on_hand, reserved');
  if (!serving) return undefined;
  let folded = new Map<string, { on_hand: number; reserved: number }>();
  return {
    name: 'inventory',
    ...serving,
    rows: serving.rows.length,
    capture(states) {
      folded = new Map(
        // Variant stock items (`stock-<product>~<variant>`) are not rows of this read model.
        prefixed(states, 'stock-')
          .filter(([id]) => !id.includes('~'))
          .map(([id, s]) => [
            id,
            { on_hand: (s as StockState).onHand, reserved: (s as StockState).reserved },
          ]),
      );
    },
    compare: (report) => compareRows('inventory', serving.generation, 'stock-', serving.rows, folded, report),
  };
}

/** Catalog: name, price, currency, category and discontinued per product, and each category's direct count. */
export async function catalogCheck(db: Db): Promise<ReadModelCheck | undefined> {
  const serving = await servingRows(
    db,
    'catalog',
    'products',
    'product_id, name, price::text AS price, currency, category, category_slug, discontinued',
  );
  if (!serving) return undefined;
  const categories = await servingRows(db, 'catalog', 'categories', 'slug, product_count');
  // Which category a product's text names depends on the tree when it was applied: taken from the row.
  const slugOf = new Map(serving.rows.map((r) => [String(r.product_id), String(r.category_slug)]));
  let folded = new Map<string, Row>();
  let counts = new Map<string, Row>();
  return {
    name: 'catalog',
    ...serving,
    rows: serving.rows.length,
    capture(states) {
      folded = new Map();
      counts = new Map();
      for (const [id, state] of prefixed(states, 'product-')) {
        const p = state as ProductState;
        if (p.status === 'unlisted') continue;
        const { name, category } = p.details;
        folded.set(id, {
          name,
          price: String(p.price),
          currency: p.currency,
          category,
          discontinued: p.status === 'discontinued',
        });
        const slug = slugOf.get(id) ?? category;
        if (p.status === 'listed')
          counts.set(slug, { product_count: ((counts.get(slug)?.product_count as number) ?? 0) + 1 });
      }
    },
    compare(report) {
      const products = compareRows('catalog', serving.generation, 'product-', serving.rows, folded, report);
      // Categories without a listed product (an empty branch of the tree) have nothing to compare.
      const byName = (categories?.rows ?? [])
        .filter((row) => row.product_count !== 0 || counts.has(String(row.slug)))
        .map(({ slug, ...rest }) => ({ product_id: slug, ...rest }));
      return (
        products + compareRows('catalog categories', serving.generation, 'category ', byName, counts, report)
      );
    },
  };
}

/** Rows keyed by `product_id` against folded values with the same columns; every difference reported. */
export function compareRows(
  name: string,
  generation: number,
  streamPrefix: string,
  rows: readonly Row[],
  folded: ReadonlyMap<string, Row>,
  report: FindingSink,
): number {
  const model = new Map(rows.map(({ product_id, ...rest }) => [String(product_id), rest]));
  let differences = 0;
  for (const id of new Set([...model.keys(), ...folded.keys()])) {
    const a = model.get(id);
    const b = folded.get(id);
    if (a && b && Object.keys(b).every((k) => a[k] === b[k])) continue;
    differences += 1;
    report({
      kind: 'read-model-mismatch',
      stream: `${streamPrefix}${id}`,
      message: `${name} g${generation}: read model ${a ? JSON.stringify(a) : 'has no row'}; fold ${b ? JSON.stringify(b) : 'has nothing'}`,
    });
  }
  return differences;
}
