import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryTreeStream } from '../../domain/catalog/category-events.ts';
import { personalDataOf } from '../../infra/privacy/personal-data.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../test-support.ts';
import { catalogProjection } from './catalog-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
const at = '2026-01-15T10:00:00.000Z';
const created = (slug: string, name: string, parent: string | null = null) => ({
  schema_version: 1,
  slug,
  name,
  parent_slug: parent,
  created_at: at,
});
const submitted = (review: string, product: string, user: string, rating: number) => ({
  schema_version: 1,
  review_id: review,
  product_id: product,
  user_id: user,
  rating,
  title: 'T',
  body: '',
  verified_purchase: true,
  submitted_at: at,
});

beforeAll(async () => {
  side = await createReadSideForTest('catalog_tree_reviews');
  const { store } = side;
  // Legacy free text in two spellings, then the tree adopts it, then products name it by name and slug.
  await appendEvent(
    store,
    'product-prd_a',
    'ProductListed',
    productListedData('prd_a', { category: 'audio' }),
  );
  await appendEvent(
    store,
    'product-prd_b',
    'ProductListed',
    productListedData('prd_b', { category: 'Audio' }),
  );
  await appendEvent(store, categoryTreeStream, 'CategoryCreated', created('electronics', 'Electronics'));
  await appendEvent(store, categoryTreeStream, 'CategoryCreated', created('audio', 'Audio', 'electronics'));
  await appendEvent(store, categoryTreeStream, 'CategoryRenamed', {
    schema_version: 1,
    slug: 'audio',
    old_name: 'Audio',
    name: 'Sound',
    renamed_at: at,
  });
  await appendEvent(
    store,
    'product-prd_c',
    'ProductListed',
    productListedData('prd_c', { category: 'SOUND' }),
  );
  await appendEvent(
    store,
    'product-prd_d',
    'ProductListed',
    productListedData('prd_d', { category: 'Garden' }),
  );
  await appendEvent(store, 'product-prd_d', 'ProductDetailsChanged', {
    schema_version: 1,
    product_id: 'prd_d',
    changes: { category: 'electronics' },
    changed_at: at,
  });
  await appendEvent(store, 'review-rev_1', 'ReviewSubmitted', submitted('rev_1', 'prd_a', 'usr_1', 5));
  await appendEvent(store, 'review-rev_2', 'ReviewSubmitted', submitted('rev_2', 'prd_a', 'usr_2', 2));
  await appendEvent(store, 'review-rev_3', 'ReviewSubmitted', submitted('rev_3', 'prd_a', 'usr_3', 4));
  await appendEvent(store, 'review-rev_2', 'ReviewEdited', {
    schema_version: 1,
    review_id: 'rev_2',
    product_id: 'prd_a',
    changes: { rating: 3 },
    edited_at: at,
  });
  await appendEvent(store, 'review-rev_3', 'ReviewHidden', {
    schema_version: 1,
    review_id: 'rev_3',
    product_id: 'prd_a',
    reason: 'spam',
    hidden_at: at,
  });
  await appendEvent(store, 'review-rev_1', 'ReviewDeleted', {
    schema_version: 1,
    review_id: 'rev_1',
    product_id: 'prd_a',
    deleted_by: 'admin',
    deleted_at: at,
  });
  // Version 2 carries the author's name (encrypted at the store's edge); usr_4 is then erased.
  const named = (review: string, user: string, name: string) => ({
    ...submitted(review, 'prd_z', user, 4),
    schema_version: 2,
    author_name: name,
  });
  await appendEvent(store, 'review-rev_4', 'ReviewSubmitted', named('rev_4', 'usr_4', 'Zebedee Q.'));
  await appendEvent(store, 'review-rev_5', 'ReviewSubmitted', named('rev_5', 'usr_5', 'Bob K.'));
  await personalDataOf(store).destroyKey('usr_4');
  const head = await appendEvent(store, 'user-usr_4', 'UserErased', {
    schema_version: 1,
    user_id: 'usr_4',
    erased_by: 'usr_4',
    erased_at: at,
  });
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  expect(await service.waitFor(head, 20_000)).toBe(true);
});

afterAll(async () => {
  await service?.stop();
  await side?.close();
});

const rows = async (schema: string) => ({
  products: (
    await sql`SELECT product_id, category, category_slug, rating::text, reviews_count
      FROM ${sql.table(`${schema}.products`)} ORDER BY product_id`.execute(side.db)
  ).rows,
  categories: (await sql`SELECT * FROM ${sql.table(`${schema}.categories`)} ORDER BY slug`.execute(side.db))
    .rows,
  reviews: (
    await sql`SELECT review_id, author_name, rating, status, revision::text FROM ${sql.table(`${schema}.reviews`)}
      ORDER BY review_id`.execute(side.db)
  ).rows,
});

describe('catalog projection: category tree and reviews', () => {
  it('files products by slug or name in any case, keeps the tree, rates from published reviews', async () => {
    const { products, categories, reviews } = await rows('rm_catalog_g1');
    expect(products).toEqual([
      { product_id: 'prd_a', category: 'audio', category_slug: 'audio', rating: '3.00', reviews_count: 1 },
      { product_id: 'prd_b', category: 'Audio', category_slug: 'audio', rating: '0.00', reviews_count: 0 },
      { product_id: 'prd_c', category: 'SOUND', category_slug: 'audio', rating: '0.00', reviews_count: 0 },
      {
        product_id: 'prd_d',
        category: 'electronics',
        category_slug: 'electronics',
        rating: '0.00',
        reviews_count: 0,
      },
    ]);
    expect(categories).toEqual([
      { slug: 'audio', name: 'Sound', parent_slug: 'electronics', explicit: true, product_count: 3 },
      { slug: 'electronics', name: 'Electronics', parent_slug: null, explicit: true, product_count: 1 },
    ]);
    expect(reviews).toEqual([
      { review_id: 'rev_1', author_name: null, rating: 5, status: 'deleted', revision: '1' },
      { review_id: 'rev_2', author_name: null, rating: 3, status: 'published', revision: '1' },
      { review_id: 'rev_3', author_name: null, rating: 4, status: 'hidden', revision: '1' },
      { review_id: 'rev_4', author_name: '[erased]', rating: 4, status: 'published', revision: '0' },
      { review_id: 'rev_5', author_name: 'Bob K.', rating: 4, status: 'published', revision: '0' },
    ]);
  });

  it("keeps the review author's name only as ciphertext in the log", async () => {
    const stored = await sql<{ data: string }>`SELECT data::text AS data FROM messages
      WHERE type = 'ReviewSubmitted'`.execute(side.db);
    const text = stored.rows.map((r) => r.data).join(' ');
    expect(text).not.toContain('Zebedee');
    expect(text).not.toContain('Bob K.');
    expect(text).toContain('"author_name": "pd2.*"');
  });

  it('event by event gives the same rows as the batch path the runner took', async () => {
    const schema = 'rm_catalog_one_by_one';
    await sql
      .raw(
        `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; ${catalogProjection.ddl(schema)}`,
      )
      .execute(side.db);
    const events = (await side.store.readAll({ maxCount: 1000 })).events.filter((e) =>
      catalogProjection.eventTypes.includes(e.type),
    );
    await side.db.transaction().execute(async (trx) => {
      const context = { schema, invalidate: () => {}, logger: side.logger };
      for (const event of events) await catalogProjection.apply(event, trx.withSchema(schema), context);
      // Applied again, nothing moves (revision guards).
      for (const event of events.filter((e) => e.type.startsWith('Review')))
        await catalogProjection.apply(event, trx.withSchema(schema), context);
    });
    expect(await rows(schema)).toEqual(await rows('rm_catalog_g1'));
  });
});
