import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAudit } from '../../../infra/audit/migrate.ts';
import { withHashChain } from '../../../infra/eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../../infra/eventstore/postgres/store.ts';
import { personalDataOf } from '../../../infra/privacy/personal-data.ts';
import { decryptor } from '../../../infra/privacy/with-personal-data.ts';
import { catalogProjection } from '../../../projections/catalog/catalog-projection.ts';
import { inventoryProjection } from '../../../projections/inventory/inventory-projection.ts';
import { createProjectionService, type ProjectionService } from '../../../projections/service.ts';
import {
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../../../projections/test-support.ts';
import { runAudit } from '../audit-command.ts';
import { allVisible, order, stock } from '../test-fixtures.ts';
import { verifyHistory } from './verify-history.ts';

const quiet = { out: () => {}, err: () => {} };

describe('audit verify', () => {
  let side: ReadSideForTest;
  let store: EventStore;
  /** The log as stored (personal fields encrypted), which the chain covers: what bin/audit reads. */
  let raw: EventStore;
  let service: ProjectionService;
  const caughtUp = async () => {
    expect(await service.waitFor(await allVisible(side.pool), 20_000)).toBe(true);
  };
  const verify = async () => {
    await allVisible(side.pool);
    const decrypt = decryptor(personalDataOf(side.store).keys);
    return verifyHistory({ store: raw, db: side.db, graceMs: 0, decrypt });
  };
  const findingsFor = async (stream: string) => (await verify()).findings.filter((f) => f.stream === stream);

  beforeAll(async () => {
    side = await createReadSideForTest('audit_verify');
    await migrateAudit(side.pool);
    raw = await createPostgresEventStore({ connectionString: side.database.url, poolSize: 1 });
    store = withHashChain(side.store);
    service = createProjectionService(side.deps, { projections: [inventoryProjection, catalogProjection] });
    service.start();
    // A clean history: received, reserved, order placed and paid, committed, cancelled, refunded, returned.
    const p = 'prd_ok';
    await store.appendToStream(`product-${p}`, [
      { id: crypto.randomUUID(), type: 'ProductListed', data: productListedData(p, { category: 'Lamps' }) },
    ]);
    await store.appendToStream(`stock-${p}`, [
      stock.received(p, 10, 10),
      stock.reserved(p, 'rsv_ok', 2, 10, 2),
    ]);
    await store.appendToStream('order-ord_ok', [
      order.placed('ord_ok', p, 'rsv_ok'),
      order.confirmed('ord_ok'),
    ]);
    await store.appendToStream(`stock-${p}`, [stock.committed(p, 'rsv_ok', 2, 8, 0)]);
    await store.appendToStream('order-ord_ok', [
      order.cancelled('ord_ok', 'rsv_ok', 2000),
      order.refunded('ord_ok', 2000),
    ]);
    await store.appendToStream(`stock-${p}`, [stock.returned(p, 'rsv_ok', 2, 10, 0)]);
    await caughtUp();
  });
  afterAll(async () => {
    await service.stop();
    await raw.close();
    await side.close();
  });

  it('passes on a clean store, read model included, and the CLI exits 0', async () => {
    const report = await verify();
    expect(report.findings).toEqual([]);
    expect(report.readModels).toEqual([
      expect.objectContaining({ name: 'inventory', rows: 1, differences: 0 }),
      expect.objectContaining({ name: 'catalog', rows: 1, differences: 0 }),
    ]);
    const lines: string[] = [];
    const code = await runAudit(
      ['verify'],
      { ...process.env, DATABASE_URL: side.database.url },
      {
        out: (t) => lines.push(t),
        err: () => {},
      },
    );
    expect(lines.join('\n')).toContain('CLEAN');
    expect(code).toBe(0);
  });

  it('names an event whose data was altered in PostgreSQL', async () => {
    const [e] = await side.store.readStream('order-ord_ok', { fromRevision: 3n, maxCount: 1 });
    await side.pool.query(
      `UPDATE messages SET data = jsonb_set(data::jsonb, '{amount}', '1') WHERE event_id = $1`,
      [e!.id],
    );
    const report = await verify();
    expect(report.findings[0]).toMatchObject({
      kind: 'chain-broken',
      stream: 'order-ord_ok',
      revision: '3',
      eventId: e!.id,
    });
    // The altered refund no longer matches its cancellation either.
    expect(report.counts['refund-mismatch']).toBe(1);
    await side.pool.query(
      `UPDATE messages SET data = jsonb_set(data::jsonb, '{amount}', '2000') WHERE event_id = $1`,
      [e!.id],
    );
    expect((await verify()).total).toBe(0);
  });

  it('finds negative stock and reserved above on hand (bad events inserted with a valid chain)', async () => {
    await store.appendToStream('stock-prd_neg', [
      stock.received('prd_neg', 1, 1),
      stock.adjusted('prd_neg', -3, -2, 0),
    ]);
    await store.appendToStream('stock-prd_over', [
      stock.received('prd_over', 1, 1),
      stock.reserved('prd_over', 'rsv_o', 5, 1, 5),
    ]);
    expect((await findingsFor('stock-prd_neg')).map((f) => f.kind)).toContain('stock-negative');
    const over = await findingsFor('stock-prd_over');
    expect(over).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'reserved-exceeds-on-hand', revision: '1' })]),
    );
  });

  it('finds a reservation that ends twice', async () => {
    await store.appendToStream('stock-prd_twice', [
      stock.received('prd_twice', 5, 5),
      stock.reserved('prd_twice', 'rsv_t', 2, 5, 2),
      stock.released('prd_twice', 'rsv_t', 2, 5, 0),
      stock.released('prd_twice', 'rsv_t', 2, 5, 0),
    ]);
    const found = await findingsFor('stock-prd_twice');
    expect(found).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'reservation-ended-twice', revision: '3' })]),
    );
  });

  it('finds a refund without a cancellation, and a confirmed order whose reservation was never committed', async () => {
    await store.appendToStream('order-ord_bad', [
      order.placed('ord_bad', 'prd_ok', 'rsv_never'),
      order.confirmed('ord_bad'),
      order.refunded('ord_bad', 2000),
    ]);
    const kinds = (await findingsFor('order-ord_bad')).map((f) => f.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['refund-without-cancellation', 'order-without-committed-reservation']),
    );
  });

  it('lists every difference between the inventory read model and a fresh fold', async () => {
    await caughtUp();
    const { rows } = await side.pool.query<{ serving: number }>(
      `SELECT serving FROM projection_generations WHERE projection = 'inventory'`,
    );
    await side.pool.query(
      `UPDATE rm_inventory_g${rows[0]!.serving}.stock SET on_hand = 99 WHERE product_id = 'prd_ok'`,
    );
    const found = await findingsFor('stock-prd_ok');
    expect(found).toEqual([expect.objectContaining({ kind: 'read-model-mismatch' })]);
    expect(found[0]!.message).toContain('"on_hand":99');
  });

  it('lists a catalog row that differs from the product fold, and a category count that does not add up', async () => {
    const { rows } = await side.pool.query<{ serving: number }>(
      `SELECT serving FROM projection_generations WHERE projection = 'catalog'`,
    );
    const schema = `rm_catalog_g${rows[0]!.serving}`;
    await side.pool.query(`UPDATE ${schema}.products SET price = 1 WHERE product_id = 'prd_ok'`);
    await side.pool.query(`UPDATE ${schema}.categories SET product_count = 5 WHERE slug = 'lamps'`);
    const kinds = (await verify()).findings
      .filter((f) => f.kind === 'read-model-mismatch' && f.message.startsWith('catalog'))
      .map((f) => f.stream);
    expect(kinds).toEqual(['product-prd_ok', 'category lamps']);
  });

  it('exits 1 with findings and 2 when it cannot run', async () => {
    expect(
      await runAudit(['verify', '--json'], { ...process.env, DATABASE_URL: side.database.url }, quiet),
    ).toBe(1);
    const unreachable = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' };
    expect(await runAudit(['verify'], unreachable, quiet)).toBe(2);
    expect(await runAudit(['bogus'], process.env, quiet)).toBe(2);
  });
});
