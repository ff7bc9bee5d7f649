// The bench catalog, written by SQL straight into the read model's tables (rm_<name>_g1) rather than
// through events and projections: this bench measures the read side (the query API's listing and search),
// and 100,000 products with 300,000 variants and 500,000 reviews would take far longer to project than to
// measure. The rows have the shapes the projections write (the same DDL, created by ensureServing).
import { sql } from 'kysely';
import type { ReadModelDb } from '../../application/projection-runner/types.ts';

export const ROOTS = 10;
const CHILDREN = 3;
const NOUNS = `'Speaker','Lamp','Kettle','Camera','Backpack','Watch','Mouse','Blender','Jacket','Router','Drill',
  'Tent','Headphones','Monitor','Desk','Chair','Bottle','Charger','Shoe','Grill'`;
const ADJECTIVES = `'Smart','Wireless','Compact','Classic','Pro','Stainless','Portable','Organic','Ergonomic','Vintage'`;

/** Ten root categories (`dept-<k>`), each with three children (`dept-<k>-<c>`); products in both levels. */
export async function seedProducts(db: ReadModelDb, products: number) {
  await sql`INSERT INTO rm_catalog_g1.categories (slug, name, parent_slug, explicit, product_count)
    SELECT 'dept-' || k, 'Department ' || k, NULL, true, 0 FROM generate_series(0, ${ROOTS - 1}::int) k
    UNION ALL
    SELECT 'dept-' || k || '-' || c, 'Department ' || k || ' aisle ' || c, 'dept-' || k, true, 0
    FROM generate_series(0, ${ROOTS - 1}::int) k, generate_series(0, ${CHILDREN - 1}::int) c`.execute(db);
  // Product i: root i % 10; a quarter filed at the root itself, the rest under child (i / 10) % 3.
  await sql`INSERT INTO rm_catalog_g1.products (product_id, name, description, long_description, price, currency,
      category, category_slug, brand, sku, revision, created_at, updated_at)
    SELECT 'prd_b' || i,
      (ARRAY[${sql.raw(ADJECTIVES)}])[1 + i % 10] || ' ' || (ARRAY[${sql.raw(NOUNS)}])[1 + (i / 10) % 20] || ' ' || i,
      'A well made thing, model ' || i, repeat(md5(i::text) || ' ', 20), 500 + (i * 7919) % 100000, 'USD',
      slug, slug, 'Brand ' || (i % 200), 'SKU-' || i, 0,
      timestamptz '2026-01-01' + i * interval '1 minute', timestamptz '2026-01-01'
    FROM generate_series(1, ${products}::int) i,
      LATERAL (SELECT CASE WHEN (i / 10) % 4 = 3 THEN 'dept-' || (i % 10)
                           ELSE 'dept-' || (i % 10) || '-' || ((i / 10) % 3) END AS slug) s`.execute(db);
  await sql`UPDATE rm_catalog_g1.categories c SET product_count = n
    FROM (SELECT category_slug, count(*)::int AS n FROM rm_catalog_g1.products GROUP BY 1) p
    WHERE p.category_slug = c.slug`.execute(db);
  await sql`INSERT INTO rm_inventory_g1.stock (product_id, on_hand, reserved, revision, updated_at)
    SELECT product_id, 10, 0, 0, now() FROM rm_catalog_g1.products`.execute(db);
}

/**
 * Three variants per product (size S/M/L, SKU `<product sku>-<size>`) and 0..10 published reviews (5 on
 * average), with each product's rating and reviews_count recomputed as the catalog projection does.
 */
export async function seedVariantsAndReviews(db: ReadModelDb) {
  await sql`INSERT INTO rm_variants_g1.variants (variant_id, product_id, sku, options, price_adjustment, status,
      product_revision, on_hand, reserved, stock_revision)
    SELECT 'var_' || substr(p.product_id, 5) || '_' || size, p.product_id, p.sku || '-' || size,
      jsonb_build_object('size', size), n * 100, 'active', 0, 5, 0, 0
    FROM rm_catalog_g1.products p, unnest(ARRAY['S','M','L']) WITH ORDINALITY AS v(size, n)`.execute(db);
  await sql`INSERT INTO rm_catalog_g1.reviews (review_id, product_id, user_id, author_name, rating, title, body,
      status, verified_purchase, created_at, updated_at, revision)
    SELECT 'rev_' || substr(p.product_id, 5) || '_' || r, p.product_id, 'usr_' || ((k * 31 + r) % 5000), NULL,
      1 + (k * 7 + r * 3) % 5, 'Review ' || r, 'Fine.', 'published', true, now(), now(), 0
    FROM (SELECT product_id, substr(product_id, 6)::int AS k FROM rm_catalog_g1.products) p,
      LATERAL generate_series(1, p.k % 11) r`.execute(db);
  await sql`UPDATE rm_catalog_g1.products p SET rating = s.rating, reviews_count = s.n
    FROM (SELECT product_id, round(avg(rating), 2) AS rating, count(*)::int AS n FROM rm_catalog_g1.reviews
          WHERE status = 'published' GROUP BY 1) s
    WHERE s.product_id = p.product_id`.execute(db);
  await analyse(db);
}

/** Fresh statistics after the bulk writes, as autovacuum would in time give them. */
export async function analyse(db: ReadModelDb) {
  await sql`VACUUM ANALYZE rm_catalog_g1.products`.execute(db);
  await sql`ANALYZE`.execute(db);
}
