import type pg from 'pg';
import type { EventStore } from '../../infra/eventstore/port.ts';

/**
 * Fills the log with `count` events, 1,000 per transaction (so the log has many transaction ids, as it would
 * in service), written server-side to keep set-up time out of the measurement.
 */
export async function seedEvents(pool: pg.Pool, count: number, onProgress?: (done: number) => void) {
  const batch = 1_000;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const from = next;
      if (from >= count) return;
      next += batch;
      const to = Math.min(from + batch, count) - 1;
      await pool.query(
        `INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
         SELECT gen_random_uuid(), 'stock-prd_' || (g / 20), g % 20, 'StockReserved',
                jsonb_build_object('schema_version', 1, 'product_id', 'prd_' || (g / 20), 'reservation_id',
                  'rsv_' || g, 'quantity', 1 + g % 5, 'expires_at', '2026-01-01T00:10:00.000Z'),
                jsonb_build_object('correlation_id', gen_random_uuid(), 'causation_id', gen_random_uuid(),
                  'user_id', 'usr_01HZX3K8Q9V2M4N6P8R0T2W4Y6', 'occurred_at', '2026-01-01T00:00:00.000Z')
           FROM generate_series($1::bigint, $2::bigint) g`,
        [from, to],
      );
      onProgress?.(Math.min(to + 1, count));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await pool.query('VACUUM ANALYZE messages');
}

/** Subscribes from the start and counts events until the first caught-up. */
export async function measureCatchUp(
  store: EventStore,
): Promise<{ events: number; seconds: number; perSecond: number }> {
  const started = performance.now();
  let events = 0;
  for await (const item of store.subscribeToAll()) {
    if (item.kind === 'caught-up') break;
    events += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, seconds, perSecond: events / seconds };
}

/** The same pages read with plain SELECTs and no decoding beyond pg's: what catch-up could at most reach. */
export async function measureRawScan(pool: pg.Pool, pageSize: number) {
  const started = performance.now();
  let events = 0;
  let after = ['0', '0'];
  for (;;) {
    const { rows } = await pool.query<{ transaction_id: string; global_position: string }>({
      name: 'bench_raw_scan',
      text: `SELECT event_id, stream_name, stream_revision, transaction_id, global_position, type, data, metadata, recorded_at
               FROM messages WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
              ORDER BY transaction_id, global_position LIMIT $3`,
      values: [...after, pageSize],
    });
    events += rows.length;
    const last = rows.at(-1);
    if (!last) break;
    after = [last.transaction_id, last.global_position];
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, seconds, perSecond: events / seconds };
}
