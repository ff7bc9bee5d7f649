import type pg from 'pg';

/**
 * Writes `events` valid catalog and stock events straight into the PostgreSQL store's tables (a bench needs a
 * million events in seconds, not the append path's hours). Per product, K events: ProductListed, a
 * PriceChanged every 10th, and on the stock stream a StockReceived then reserve/release pairs; streams
 * interleave in the log as they would in production. Revisions are contiguous per stream.
 */
export async function seedLog(pool: pg.Pool, events: number, perProduct = 50): Promise<{ products: number }> {
  const products = Math.max(1, Math.floor(events / perProduct));
  const chunk = Math.max(1, Math.floor(200_000 / products));
  for (let from = 0; from < perProduct; from += chunk) {
    const to = Math.min(perProduct, from + chunk) - 1;
    await pool.query(
      `INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
       SELECT gen_random_uuid(),
              CASE WHEN k = 0 OR k % 10 = 0 THEN 'product-prd_' || p ELSE 'stock-prd_' || p END,
              CASE WHEN k = 0 OR k % 10 = 0 THEN k / 10 ELSE k - 1 - k / 10 END,
              CASE WHEN k = 0 THEN 'ProductListed'
                   WHEN k % 10 = 0 THEN 'PriceChanged'
                   WHEN k - 1 - k / 10 = 0 THEN 'StockReceived'
                   WHEN (k - 1 - k / 10) % 2 = 1 THEN 'StockReserved'
                   ELSE 'ReservationReleased' END,
              CASE WHEN k = 0 THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                     'name', 'Product ' || p, 'description', null, 'long_description', null,
                     'category', 'Category ' || (p % 20), 'subcategory', null, 'brand', 'Brand ' || (p % 7),
                     'sku', null, 'images', '[]'::jsonb, 'specifications', '{}'::jsonb, 'price', 1000,
                     'currency', 'USD', 'listed_at', '2026-01-15T10:00:00.000Z')
                   WHEN k % 10 = 0 THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                     'old_price', 1000 + k - 10, 'new_price', 1000 + k, 'currency', 'USD',
                     'changed_at', '2026-01-15T10:00:00.000Z')
                   WHEN k - 1 - k / 10 = 0 THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                     'quantity', 1000, 'on_hand', 1000, 'reserved', 0)
                   WHEN (k - 1 - k / 10) % 2 = 1 THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                     'reservation_id', 'rsv_' || p || '_' || k, 'quantity', 1,
                     'expires_at', '2026-01-15T10:10:00.000Z', 'on_hand', 1000, 'reserved', 1)
                   ELSE jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                     'reservation_id', 'rsv_' || p || '_' || (k - 1), 'quantity', 1, 'on_hand', 1000, 'reserved', 0)
              END,
              jsonb_build_object('correlation_id', 'bench-' || p || '-' || k, 'occurred_at', '2026-01-15T10:00:00.000Z')
         FROM generate_series($1::int, $2::int) k, generate_series(0, $3::int - 1) p
        ORDER BY k, p`,
      [from, to, products],
    );
  }
  await pool.query(
    `INSERT INTO streams (stream_name, revision)
     SELECT stream_name, max(stream_revision) FROM messages GROUP BY stream_name
     ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision`,
  );
  return { products };
}
