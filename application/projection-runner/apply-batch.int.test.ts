import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { catalogProjection } from '../../projections/catalog/catalog-projection.ts';
import { inventoryProjection } from '../../projections/inventory/inventory-projection.ts';
import { ordersProjection } from '../../projections/orders/orders-projection.ts';
import { orderPlacedData } from '../../projections/orders/test-events.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { recommendationsProjection } from '../../projections/recommendations/recommendations-projection.ts';
import { recommendationsLog } from '../../projections/recommendations/test-log.ts';
import { productListedData, stockReceivedData } from '../../projections/test-support.ts';
import { variantsProjection } from '../../projections/variants/variants-projection.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import type { PgProjection, ReadModelDb } from './types.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: ReadModelDb;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  database = await createTestDatabase('applybatch');
  db = createReadModelDb(createPool({ connectionString: database.url, max: 4 }), logger);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let a = seed;
  return (n: number) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const at = (i: number) => new Date(Date.UTC(2026, 0, 15, 10, 0, i)).toISOString();

/**
 * A log with every case the handlers distinguish: first listings, duplicate listings, changes to unknown
 * products, category moves, discontinuing, events after discontinuing, and stale redeliveries.
 */
function catalogLog(seed: number, count: number): RecordedEvent[] {
  const pick = random(seed);
  const revisions = new Map<string, bigint>();
  const reviewRevisions = new Map<string, bigint>();
  const log: RecordedEvent[] = [];
  const push = (type: string, product: string, data: Record<string, unknown>, stale = false) => {
    const next = revisions.get(product) ?? -1n;
    const revision = stale && next > 0n ? next - 1n : next + 1n;
    if (!stale) revisions.set(product, revision);
    const n = BigInt(log.length + 1);
    log.push({
      id: `e${log.length}`,
      type,
      streamName: `product-${product}`,
      revision,
      position: { commit: n, prepare: n },
      data: { schema_version: 1, product_id: product, ...data },
      metadata: {},
      recordedAt: new Date(at(log.length)),
    });
  };
  for (let i = 0; i < count; i += 1) {
    const product = `prd_${pick(12)}`;
    const category = `Cat ${pick(4)}`;
    switch (pick(6)) {
      case 0:
      case 1:
        push('ProductListed', product, {
          ...productListedData(product, { category, name: `Item ${i}`, listed_at: at(i) }),
          images: [`${i}.png`],
          specifications: { weight: i, 'say "hi"': 'a\\b' },
        });
        break;
      case 2:
        push(
          'ProductDetailsChanged',
          product,
          {
            changes: pick(2) ? { category, brand: pick(2) ? null : `Brand ${i}` } : { name: `Renamed ${i}` },
            changed_at: at(i),
          },
          pick(5) === 0,
        );
        break;
      case 3:
      case 4:
        push(
          'PriceChanged',
          product,
          { old_price: 100, new_price: 100 + i, currency: 'USD', changed_at: at(i) },
          pick(5) === 0,
        );
        break;
      default:
        // Only half the products are ever discontinued, so some categories keep a count.
        if (pick(3) === 0 && Number(product.slice(4)) < 6)
          push('ProductDiscontinued', product, { discontinued_at: at(i) });
    }
    // Now and then a review, and once the tree adopting a free-text category: the batch path applies
    // them one by one between runs of product events.
    const other = (type: string, streamName: string, revision: bigint, data: Record<string, unknown>) => {
      const n = BigInt(log.length + 1);
      log.push({
        id: `e${log.length}`,
        type,
        streamName,
        revision,
        position: { commit: n, prepare: n },
        data: { schema_version: 1, ...data },
        metadata: {},
        recordedAt: new Date(at(log.length)),
      });
    };
    // Reviews of a few products by a few users: first reviews (some before their product is listed),
    // edits, deletions, hiding, resubmissions, stale redeliveries, and authors erased.
    if (i % 4 === 1) {
      const k = pick(10);
      const stream = `review-rev_${k}`;
      const next = (reviewRevisions.get(stream) ?? -1n) + 1n;
      const stale = next > 1n && pick(6) === 0;
      if (!stale) reviewRevisions.set(stream, next);
      const ids = { review_id: `rev_${k}`, product_id: `prd_${(k * 5) % 12}` };
      const kind = next === 0n ? 0 : pick(5);
      other(
        ['ReviewSubmitted', 'ReviewEdited', 'ReviewDeleted', 'ReviewHidden', 'ReviewSubmitted'][kind]!,
        stream,
        stale ? next - 2n : next,
        [
          {
            schema_version: 2,
            ...ids,
            user_id: `usr_${k % 4}`,
            author_name: `Author ${i}`,
            rating: 1 + (i % 5),
            title: `T ${i}`,
            body: '',
            verified_purchase: i % 3 > 0,
            submitted_at: at(i),
          },
          { ...ids, changes: pick(2) ? { rating: 1 + pick(5) } : { title: `E ${i}` }, edited_at: at(i) },
          { ...ids, deleted_by: 'author', deleted_at: at(i) },
          { ...ids, reason: 'spam', hidden_at: at(i) },
        ][kind === 4 ? 0 : kind]!,
      );
    }
    if (i % 37 === 36)
      other('UserErased', `user-usr_${pick(4)}`, 0n, {
        user_id: `usr_${pick(4)}`,
        erased_by: 'usr_admin',
        erased_at: at(i),
      });
    if (i === count / 2) {
      other('CategoryCreated', 'categorytree-main', 0n, {
        slug: 'top',
        name: 'Top',
        parent_slug: null,
        created_at: at(i),
      });
      other('CategoryCreated', 'categorytree-main', 1n, {
        slug: 'cat-1',
        name: 'Cat 1',
        parent_slug: 'top',
        created_at: at(i),
      });
    }
  }
  return log;
}

/**
 * Reviews of products not listed yet, each followed by the listing: event by event the review finds no row
 * and the listing starts at rating 0; within one batch the rating must not be recomputed for it either.
 * Then a second review of each, which does count.
 */
function reviewsBeforeListingLog(): RecordedEvent[] {
  const event = (type: string, streamName: string, data: Record<string, unknown>, revision = 0n) => ({
    type,
    streamName,
    revision,
    data: { schema_version: 1, ...data },
  });
  const review = (product: string, k: number, revision: bigint) =>
    event(
      'ReviewSubmitted',
      `review-rev_${product}_${k}`,
      {
        schema_version: 2,
        review_id: `rev_${product}_${k}`,
        product_id: product,
        user_id: `usr_${k}`,
        author_name: null,
        rating: 1 + k,
        title: 'T',
        body: '',
        verified_purchase: true,
        submitted_at: at(k),
      },
      revision,
    );
  const products = Array.from({ length: 12 }, (_, j) => `prd_late${j}`);
  const log = [
    ...products.flatMap((p) => [
      review(p, 1, 0n),
      event('ProductListed', `product-${p}`, productListedData(p)),
    ]),
    ...products.filter((_, j) => j % 2 === 0).map((p) => review(p, 3, 0n)),
  ];
  return log.map((e, i) => ({
    ...e,
    id: `e${i}`,
    position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) },
    metadata: {},
    recordedAt: new Date(at(i)),
  }));
}

/**
 * Variants from both sides, interleaved: facts in the product stream (added, changed, retired) and stock
 * per variant, some stock before its variant was added, some product-level stock (not this read model's),
 * and stale redeliveries on both sides.
 */
function variantsLog(seed: number, count: number): RecordedEvent[] {
  const pick = random(seed);
  const revisions = new Map<string, bigint>();
  const nextRevision = (stream: string) => {
    const stale = pick(6) === 0 && (revisions.get(stream) ?? 0n) > 0n;
    const revision = stale ? revisions.get(stream)! - 1n : (revisions.get(stream) ?? -1n) + 1n;
    if (!stale) revisions.set(stream, revision);
    return revision;
  };
  return Array.from({ length: count }, (_, i) => {
    const product = `prd_${pick(4)}`;
    const variant = `var_${product.slice(4)}_${pick(3)}`;
    const stock = pick(3) > 0;
    const streamName = stock ? `stock-${product}${pick(5) ? `~${variant}` : ''}` : `product-${product}`;
    const facts = [
      { sku: `SKU-${i}`, options: { size: `S${i}` }, price_adjustment: pick(300) - 100, added_at: at(i) },
      {
        changes: pick(2) ? { sku: `SKU-C${i}` } : { options: { colour: `c${i}` }, price_adjustment: i },
        changed_at: at(i),
      },
      { retired_at: at(i) },
    ];
    const kind = pick(3);
    const n = BigInt(i + 1);
    return {
      id: `e${i}`,
      type: stock ? 'StockReceived' : ['VariantAdded', 'VariantChanged', 'VariantRetired'][kind]!,
      streamName,
      revision: nextRevision(streamName),
      position: { commit: n, prepare: n },
      data: stock
        ? streamName.includes('~')
          ? {
              ...stockReceivedData(product, 1 + pick(5), 10 + pick(50), pick(5)),
              schema_version: 2,
              variant_id: variant,
            }
          : stockReceivedData(product, 1 + pick(5), 10 + pick(50), pick(5))
        : { schema_version: 1, product_id: product, variant_id: variant, ...facts[kind] },
      metadata: {},
      recordedAt: new Date(at(i)),
    };
  });
}

function inventoryLog(seed: number, count: number): RecordedEvent[] {
  const pick = random(seed);
  const revisions = new Map<string, bigint>();
  return Array.from({ length: count }, (_, i) => {
    const product = `prd_${pick(15)}`;
    const stale = pick(6) === 0 && (revisions.get(product) ?? 0n) > 0n;
    const revision = stale ? revisions.get(product)! - 1n : (revisions.get(product) ?? -1n) + 1n;
    if (!stale) revisions.set(product, revision);
    const n = BigInt(i + 1);
    return {
      id: `e${i}`,
      type: 'StockReceived',
      streamName: `stock-${product}`,
      revision,
      position: { commit: n, prepare: n },
      data: stockReceivedData(product, 1 + pick(5), 10 + pick(50), pick(5)),
      metadata: pick(2) ? { occurred_at: at(i) } : {},
      recordedAt: new Date(at(i + 1000)),
    };
  });
}

/**
 * Orders placed, confirmed, shipped or cancelled, interleaved, with earlier events replayed now and then and
 * some of the five customers erased: a confirmation often lands right after its placement in one batch.
 */
function ordersLog(seed: number, count: number): RecordedEvent[] {
  const pick = random(seed);
  const placed = (order: string, user: string, i: number) =>
    orderPlacedData(order, user, [{ product: 'prd_1', quantity: 1 + (i % 3), price: 950 }], at(i));
  const next: Record<string, number> = {};
  const log: RecordedEvent[] = [];
  for (let i = 0; log.length < count; i += 1) {
    const order = `ord_${Math.floor(i / 6) + pick(10)}`; // a sliding window: always some orders under way
    const user = `usr_${Number(order.slice(4)) % 5}`;
    const step = next[order] ?? 0;
    const n = BigInt(log.length + 1);
    const base = { position: { commit: n, prepare: n }, metadata: {}, recordedAt: new Date(at(i)) };
    if (pick(12) === 0) {
      const data = { schema_version: 1, user_id: user, erased_by: user, erased_at: at(i) };
      log.push({ ...base, id: `e${i}`, type: 'UserErased', streamName: `user-${user}`, revision: n, data });
      continue;
    }
    const cancelled = Number(order.slice(4)) % 4 === 0;
    const steps = cancelled
      ? [
          ['OrderPlaced', placed(order, user, i)],
          [
            'OrderCancelled',
            {
              schema_version: 1,
              order_id: order,
              cancelled_by: user,
              cancelled_by_role: 'customer',
              reason: 'changed my mind',
              previous_status: 'pending',
              reservation_id: `rsv_${order}`,
              refund_amount: 0,
              currency: 'USD',
              cancelled_at: at(i),
            },
          ],
        ]
      : [
          ['OrderPlaced', placed(order, user, i)],
          [
            'OrderConfirmed',
            {
              schema_version: 1,
              order_id: order,
              payment_id: `pay_${order}`,
              amount: 2_026,
              confirmed_at: at(i),
            },
          ],
          ['OrderProcessingStarted', { schema_version: 1, order_id: order, processing_at: at(i) }],
          [
            'OrderShipped',
            { schema_version: 1, order_id: order, tracking_number: `TRK-${order}`, shipped_at: at(i) },
          ],
        ];
    // An earlier event of the order read again (replayed) now and then; otherwise its next step, if any.
    const again = step > 0 && pick(8) === 0;
    if (!again && step >= steps.length) continue;
    const at_ = again ? pick(step) : step;
    const [type, data] = steps[at_]!;
    if (!again) next[order] = step + 1;
    log.push({
      ...base,
      id: `e${i}`,
      type: type as string,
      streamName: `order-${order}`,
      revision: BigInt(at_),
      data: data as Record<string, unknown>,
    });
  }
  return log;
}

/** Applies `log` to a fresh schema in transactions of random sizes, per event or set-based. */
async function build(projection: PgProjection, log: RecordedEvent[], schema: string, batched: boolean) {
  await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`).execute(db);
  await sql.raw(projection.ddl(schema)).execute(db);
  const pick = random(batched ? 7 : 11);
  const invalidated = new Set<string>();
  const context = { schema, invalidate: (key: string) => invalidated.add(key), logger };
  for (let from = 0; from < log.length; ) {
    const events = log.slice(from, from + 1 + pick(60));
    from += events.length;
    await db.transaction().execute(async (trx) => {
      const scoped = trx.withSchema(schema);
      if (batched) await projection.applyBatch!(events, scoped, context);
      else for (const event of events) await projection.apply(event, scoped, context);
    });
  }
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY 1`.execute(db);
  const rows: Record<string, unknown[]> = {};
  for (const { table_name } of tables.rows) {
    const result = await sql
      .raw(`SELECT to_jsonb(t) AS row FROM ${schema}.${table_name} t ORDER BY 1`)
      .execute(db);
    rows[table_name] = result.rows;
  }
  return { rows, invalidated: [...invalidated].sort() };
}

describe('set-based batches (applyBatch) against event-by-event apply', () => {
  for (const [projection, events] of [
    [catalogProjection, catalogLog(1, 600)],
    [catalogProjection, catalogLog(2, 600)],
    [catalogProjection, reviewsBeforeListingLog()],
    [inventoryProjection, inventoryLog(3, 800)],
    [variantsProjection, variantsLog(5, 800)],
    [variantsProjection, variantsLog(6, 800)],
    [recommendationsProjection, () => recommendationsLog(random(8), 500)],
    [recommendationsProjection, () => recommendationsLog(random(9), 500)],
    [recommendationsProjection, () => recommendationsLog(random(12), 800)],
    [recommendationsProjection, () => recommendationsLog(random(13), 800)],
    [ordersProjection, ordersLog(10, 500)],
    [ordersProjection, ordersLog(11, 500)],
  ] as const) {
    it(`${projection.name}: both paths leave identical rows and invalidate the same keys`, async () => {
      const log = typeof events === 'function' ? await events() : events;
      const perEvent = await build(projection, log, `eq_${projection.name}_a`, false);
      const batched = await build(projection, log, `eq_${projection.name}_b`, true);
      expect(Object.values(perEvent.rows).every((rows) => rows.length > 0)).toBe(true);
      expect(batched.rows).toEqual(perEvent.rows);
      expect(batched.invalidated).toEqual(perEvent.invalidated);
    });
  }

  it('a batch with an invalid event fails as a whole (the runner then retries event by event)', async () => {
    const log = inventoryLog(4, 5);
    const bad = { ...log[2]!, data: { ...log[2]!.data, on_hand: -1 } };
    await expect(build(inventoryProjection, [log[0]!, bad], 'eq_bad', true)).rejects.toThrow();
  });
});
