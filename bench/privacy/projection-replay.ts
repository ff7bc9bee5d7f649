/**
 * `npm run bench:privacy-replay [-- --orders 10000]`: the replay production runs (`npm run replay -- --all`,
 * every read model rebuilt from the log through the composed store) with personal-data decryption vs
 * without, on the same events. The same users (UserRegistered: email, names, phone) and orders
 * (OrderPlaced: two addresses; then OrderConfirmed) are appended to two databases of their own, one through the composed
 * store with encryption and one through the same composition with personalData 'none'; then every read
 * model is rebuilt in each, alternated (ABBA, after an untimed pass of each), each pass on a fresh key
 * store (a cold key cache, as a rebuild in a new process starts). Prints the median rate of each side,
 * their ratio, and this process's CPU per event. bench:privacy measures the bare log read (readAll) the
 * same way; this one measures the whole rebuild that the read feeds.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import type { RunnerDeps } from '../../application/projection-runner/runner.ts';
import { replay } from '../../bin/replay.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { fmt } from '../eventstore/measure.ts';
import { reportResult } from '../result.ts';
import { orderPlaced } from './order-events.ts';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '10000' } } });
const ORDERS = Number(values.orders);
const USERS = 500;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

const registered = (u: number) => ({
  id: randomUUID(),
  type: 'UserRegistered',
  data: {
    schema_version: 1,
    user_id: `usr_bench${u}`,
    email: `shopper${u}@example.org`,
    first_name: 'Bench',
    last_name: `Shopper${u}`,
    phone: '+447700900123',
    role: 'customer',
    registered_at: '2026-12-01T10:00:00.000Z',
  },
});
const placed = (n: number) => orderPlaced(n, USERS);

const confirmed = (n: number) => ({
  id: randomUUID(),
  type: 'OrderConfirmed',
  data: {
    schema_version: 1,
    order_id: `ord_bench${n}`,
    payment_id: `pay_bench${n}`,
    amount: 2_026,
    confirmed_at: '2026-12-01T10:05:01.000Z',
  },
});

/** Runs `work(i)` for every i below n, `width` at a time. */
async function inParallel(n: number, width: number, work: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

type Side = {
  name: string;
  decrypting: boolean;
  url: string;
  deps: (store: EventStore) => RunnerDeps;
  close(): Promise<void>;
};

async function openSide(name: string, decrypting: boolean): Promise<Side> {
  const database = await createTestDatabase(`bench_pd_${name}`);
  const pool = createPool({ connectionString: database.url, max: 20, applicationName: 'bench-pd-replay' });
  const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix(`bench-pd-${name}`) });
  await migrateProjections(pool, logger);
  const db = createReadModelDb(pool, logger);
  return {
    name,
    decrypting,
    url: database.url,
    deps: (store) => ({
      store,
      db,
      leaseClientConfig: pool.options,
      redis,
      metrics: createMetrics({ runtime: false }),
      logger,
    }),
    async close() {
      await deleteKeysWithPrefix(redis).catch(() => 0);
      redis.disconnect();
      await pool.end();
      await database.drop();
    },
  };
}

/** The store as `npm run replay` composes it; the side without decryption with personalData 'none'. */
const composed = async (side: Side, poolSize: number) =>
  composeStore(await createPostgresEventStore({ connectionString: side.url, poolSize }), {
    logger,
    personalData: side.decrypting
      ? await openPersonalData({ connectionString: side.url, poolSize: 2 })
      : 'none',
  });

async function fill(side: Side) {
  const store = await composed(side, 8);
  try {
    await inParallel(USERS, 8, (u) => store.appendToStream(`user-usr_bench${u}`, [registered(u)]));
    await inParallel(ORDERS, 8, (n) =>
      store.appendToStream(`order-ord_bench${n}`, [placed(n), confirmed(n)], {
        expectedRevision: 'no_stream',
      }),
    );
  } finally {
    await store.close();
  }
}

/** Rebuilds every read model; returns log events per second and this process's CPU µs per log event. */
async function rebuild(side: Side) {
  const store = await composed(side, 4);
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const reports = await replay(side.deps(store), { names: 'all', resume: false });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const events = USERS + 2 * ORDERS;
    const applied = Object.fromEntries(reports.map((r) => [r.projection, r.events]));
    const took = reports.map((r) => `${r.projection} ${(r.durationMs / 1000).toFixed(1)} s`).join(', ');
    return { perSecond: events / seconds, cpuPerEvent: (used.user + used.system) / events, applied, took };
  } finally {
    await store.close();
  }
}

const sides = [await openSide('plain', false), await openSide('encrypted', true)] as const;
try {
  const filling = Date.now();
  for (const side of sides) await fill(side);
  console.log(
    `appended ${USERS} users and ${ORDERS} orders (placed, confirmed) to each side in ${((Date.now() - filling) / 1000).toFixed(1)} s`,
  );
  for (const side of sides) {
    const { applied, took } = await rebuild(side); // untimed: JIT and PostgreSQL's buffers warm for both
    if (applied.orders !== 2 * ORDERS || applied.users !== USERS)
      throw new Error(`${side.name}: the rebuild applied ${JSON.stringify(applied)}`);
    console.log(`${side.name}, untimed pass: ${took}`);
  }
  const rates: Record<string, number[]> = { plain: [], encrypted: [] };
  const cpus: Record<string, number[]> = { plain: [], encrypted: [] };
  for (let i = 0; i < 6; i++) {
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
      const r = await rebuild(side);
      rates[side.name]!.push(r.perSecond);
      cpus[side.name]!.push(r.cpuPerEvent);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [raw, dec] = [median(rates.plain!), median(rates.encrypted!)];
  console.log(
    `rebuild events/s without decryption: ${fmt(raw)} (runs ${rates.plain!.map((v) => fmt(v)).join(', ')})`,
  );
  console.log(
    `rebuild events/s with decryption:    ${fmt(dec)} (runs ${rates.encrypted!.map((v) => fmt(v)).join(', ')})`,
  );
  console.log(`ratio: ${fmt(dec / raw, 2)} (goal ≥ 0.8)`);
  console.log(
    `rebuild CPU µs/event without decryption: ${fmt(median(cpus.plain!), 1)}, with: ${fmt(median(cpus.encrypted!), 1)}`,
  );
  reportResult({
    measure: 'replay of every read model (npm run replay -- --all) with decryption vs without',
    ours: dec,
    baseline: raw,
    unit: 'events/s',
    goal: { on: 'ratio', op: '>=', value: 0.8 },
  });
} finally {
  for (const side of sides) await side.close();
}
