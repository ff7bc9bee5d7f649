import type pg from 'pg';

/**
 * Writes `events` valid events straight into the PostgreSQL store's tables (a bench needs a million events
 * in seconds, not the append path's hours), in the seed's mix: per product K events, a ProductListed, a
 * PriceChanged every 10th, a ReviewSubmitted every 10th (each its own review stream), an order placed and
 * then confirmed every 50th (each its own order stream), every third product
 * sold in three variants (VariantAdded in the product's stream, stock per variant), and on each stock
 * stream a StockReceived then reserve/release pairs. Streams interleave in the log as they would in
 * production; revisions are contiguous per stream (numbered by a window over each stream).
 */
export async function seedLog(pool: pg.Pool, events: number, perProduct = 50): Promise<{ products: number }> {
  const products = Math.max(1, Math.floor(events / perProduct));
  await pool.query(
    `WITH kinds AS (
       SELECT p, k,
              CASE WHEN k = 0 THEN 'ProductListed'
                   WHEN p % 3 = 0 AND k BETWEEN 1 AND 3 THEN 'VariantAdded'
                   WHEN k % 10 = 0 THEN 'PriceChanged'
                   WHEN k % 10 = 5 THEN 'ReviewSubmitted'
                   -- One order per product every 50 events: placed, then confirmed.
                   WHEN k % 50 = 7 THEN 'OrderPlaced'
                   WHEN k % 50 = 8 THEN 'OrderConfirmed'
                   ELSE 'stock' END AS kind,
              -- A variant product's stock lives per variant (its k-th event on variant k % 3).
              CASE WHEN p % 3 = 0 THEN 'prd_' || p || '_v' || (k % 3) END AS variant
         FROM generate_series(0, $1::int - 1) k, generate_series(0, $2::int - 1) p
     ), streams AS (
       SELECT *, CASE kind
                   WHEN 'stock' THEN 'stock-prd_' || p || coalesce('~var_' || variant, '')
                   WHEN 'ReviewSubmitted' THEN 'review-rev_' || p || '_' || k
                   WHEN 'OrderPlaced' THEN 'order-ord_' || p || '_' || (k / 50)
                   WHEN 'OrderConfirmed' THEN 'order-ord_' || p || '_' || (k / 50)
                   ELSE 'product-prd_' || p END AS stream
         FROM kinds
     ), numbered AS (
       SELECT *, row_number() OVER (PARTITION BY stream ORDER BY k) - 1 AS n FROM streams
     )
     INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
     SELECT gen_random_uuid(), stream, n,
            CASE WHEN kind <> 'stock' THEN kind
                 WHEN n = 0 THEN 'StockReceived'
                 WHEN n % 2 = 1 THEN 'StockReserved'
                 ELSE 'ReservationReleased' END,
            CASE kind
              WHEN 'ProductListed' THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                'name', 'Product ' || p, 'description', null, 'long_description', null,
                'category', 'Category ' || (p % 20), 'subcategory', null, 'brand', 'Brand ' || (p % 7),
                'sku', null, 'images', '[]'::jsonb, 'specifications', '{}'::jsonb, 'price', 1000,
                'currency', 'USD', 'listed_at', '2026-01-15T10:00:00.000Z')
              WHEN 'VariantAdded' THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                'variant_id', 'var_prd_' || p || '_v' || (k % 3), 'sku', 'SKU-' || p || '-' || (k % 3),
                'options', jsonb_build_object('size', (ARRAY['S', 'M', 'L'])[1 + k % 3]),
                'price_adjustment', 100 * (k % 3), 'added_at', '2026-01-15T10:00:00.000Z')
              WHEN 'PriceChanged' THEN jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p,
                'old_price', 1000 + k - 10, 'new_price', 1000 + k, 'currency', 'USD',
                'changed_at', '2026-01-15T10:00:00.000Z')
              WHEN 'ReviewSubmitted' THEN jsonb_build_object('schema_version', 2, 'review_id', 'rev_' || p || '_' || k,
                'product_id', 'prd_' || p, 'user_id', 'usr_bench_' || k, 'rating', 1 + (p + k) % 5,
                'title', 'Review ' || k, 'body', 'Sturdy and as described, would buy again.',
                'verified_purchase', true, 'submitted_at', '2026-01-15T10:00:00.000Z', 'author_name', 'Ada L.')
              WHEN 'OrderPlaced' THEN jsonb_build_object('schema_version', 1, 'order_id', 'ord_' || p || '_' || (k / 50),
                'user_id', 'usr_bench_' || (p % 500), 'reservation_id', 'rsv_ord_' || p || '_' || (k / 50),
                'items', jsonb_build_array(jsonb_build_object('product_id', 'prd_' || p, 'product_name', 'Product ' || p,
                  'quantity', 1, 'unit_price', 1000, 'subtotal', 1000)),
                'currency', 'USD', 'subtotal', 1000, 'tax', 80, 'shipping_cost', 1000, 'total', 2080,
                'pricing', jsonb_build_object('tax_rate', jsonb_build_object('numerator', 8, 'denominator', 100),
                  'shipping_flat', 1000, 'free_shipping_over', 10000),
                'shipping_address', jsonb_build_object('street', '1 Bench Street', 'city', 'Leeds', 'state', 'WY',
                  'postal_code', 'LS1 1AA', 'country', 'GB'),
                'billing_address', jsonb_build_object('street', '1 Bench Street', 'city', 'Leeds', 'state', 'WY',
                  'postal_code', 'LS1 1AA', 'country', 'GB'),
                'payment_method', jsonb_build_object('type', 'card', 'token_hint', '****4242'),
                'placed_at', '2026-01-15T10:00:00.000Z')
              WHEN 'OrderConfirmed' THEN jsonb_build_object('schema_version', 1, 'order_id', 'ord_' || p || '_' || (k / 50),
                'payment_id', 'pay_' || p || '_' || (k / 50), 'amount', 2080, 'confirmed_at', '2026-01-15T10:00:01.000Z')
              ELSE jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || p)
                || CASE WHEN variant IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('schema_version', 2, 'variant_id', 'var_' || variant) END
                || CASE WHEN n = 0 THEN jsonb_build_object('quantity', 1000, 'on_hand', 1000, 'reserved', 0)
                        WHEN n % 2 = 1 THEN jsonb_build_object('reservation_id', 'rsv_' || p || '_' || n,
                          'quantity', 1, 'expires_at', '2026-01-15T10:10:00.000Z', 'on_hand', 1000, 'reserved', 1)
                        ELSE jsonb_build_object('reservation_id', 'rsv_' || p || '_' || (n - 1), 'quantity', 1,
                          'on_hand', 1000, 'reserved', 0) END
            END,
            jsonb_build_object('correlation_id', 'bench-' || p || '-' || k, 'occurred_at', '2026-01-15T10:00:00.000Z')
       FROM numbered
      ORDER BY k, p`,
    [perProduct, products],
  );
  await pool.query(
    `INSERT INTO streams (stream_name, revision)
     SELECT stream_name, max(stream_revision) FROM messages GROUP BY stream_name
     ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision`,
  );
  return { products };
}
