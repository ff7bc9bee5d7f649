/**
 * `npm run bench:privacy`: appends/s with personal-data encryption vs without, on the same events
 * (OrderPlaced of 500 recurring customers, each to its own order stream, 8 writers), alternated in
 * rounds so machine load falls on both; then a replay (readAll of this run's events) with decryption vs
 * without. Both sides are composed by composeStore, as bin/start composes the store (hash chain,
 * upcasting, tracing); the side without encryption is the same composition with personalData 'none'.
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_privacy) is created when missing.
 */
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { ensureDatabase } from '../../infra/postgres/ensure-database.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { combine, fmt, type LevelResult, runLevel } from '../eventstore/measure.ts';
import { reportResult } from '../result.ts';
import { orderPlaced } from './order-events.ts';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bench_privacy';
const seconds = Number(process.env.BENCH_SECONDS ?? '20');
const CUSTOMERS = 500;

const placed = (n: number) => orderPlaced(n, CUSTOMERS);

async function replay(
  store: EventStore,
  from: Position | undefined,
): Promise<{ events: number; perSecond: number; cpuPerEvent: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let events = 0;
  let after: Position | undefined = from;
  for (;;) {
    const page = await store.readAll({ ...(after ? { after } : {}), maxCount: 2_000 });
    events += page.events.length;
    if (page.isEnd || page.events.length === 0) break;
    after = page.next;
  }
  const used = process.cpuUsage(cpu);
  return {
    events,
    perSecond: events / ((performance.now() - started) / 1000),
    cpuPerEvent: (used.user + used.system) / events,
  };
}

await ensureDatabase(url);
const plain = composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 10 }), {
  personalData: 'none',
});
const encrypted = composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 10 }), {
  personalData: await openPersonalData({ connectionString: url, poolSize: 4 }),
});
const run = Date.now().toString(36);
// The replay reads this run's events only, so repeated runs on one database measure the same amount.
const runStart = await plain.headPosition();
let n = 0;
const append = (store: EventStore, side: string) => () => {
  n += 1;
  const event = placed(n);
  return store.appendToStream(`order-${run}${side}${n}`, [event], { expectedRevision: 'no_stream' });
};
// Warm-up: connections, and every customer's data key made once (as in a running shop).
await runLevel(8, 2_000, append(plain, 'w'));
for (let c = 0; c < CUSTOMERS; c++) await append(encrypted, 'w')();

const rounds = 6;
const without: LevelResult[] = [];
const withEncryption: LevelResult[] = [];
const slice = (seconds * 1000) / rounds;
// ABBA order: neither side always runs second (after the other's rows, vacuum, a warmer cache).
for (let round = 0; round < rounds; round++) {
  if (round % 2 === 0) {
    without.push(await runLevel(8, slice, append(plain, 'p')));
    withEncryption.push(await runLevel(8, slice, append(encrypted, 'e')));
  } else {
    withEncryption.push(await runLevel(8, slice, append(encrypted, 'e')));
    without.push(await runLevel(8, slice, append(plain, 'p')));
  }
}
const a = combine(without);
const b = combine(withEncryption);
console.log(`appends/s without encryption: ${fmt(a.perSecond)} (p99 ${fmt(a.p99, 1)} ms)`);
console.log(`appends/s with encryption:    ${fmt(b.perSecond)} (p99 ${fmt(b.p99, 1)} ms)`);
console.log(`ratio: ${fmt(b.perSecond / a.perSecond, 2)} (goal ≥ 0.85)`);
reportResult({
  measure: 'appends with personal-data encryption vs without, 8 writers',
  ours: b.perSecond,
  baseline: a.perSecond,
  unit: 'appends/s',
  goal: { on: 'ratio', op: '>=', value: 0.85 },
});

// Replay of this run's events (half written with encryption, half without, as both sides appended),
// each time through a freshly composed store on a fresh pool, as a rebuild in a new process starts: the
// side without decryption with personalData 'none', the side with it on a fresh key store (cold key
// cache). One untimed pass first warms the JIT for both. Alternated nine times; the median of each side
// is reported, and the ratio of the medians. This process's CPU time per event read (user + system, all
// its threads) is reported beside it: on a shared machine it moves far less with the load than the rate.
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const freshStore = async (decrypting: boolean) =>
  composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 2 }), {
    personalData: decrypting ? await openPersonalData({ connectionString: url, poolSize: 1 }) : 'none',
  });
const timedReplay = async (decrypting: boolean) => {
  const store = await freshStore(decrypting);
  try {
    return await replay(store, runStart);
  } finally {
    await store.close();
  }
};
await timedReplay(false);
await timedReplay(true);
const raws: number[] = [];
const decs: number[] = [];
const rawCpu: number[] = [];
const decCpu: number[] = [];
let replayed = 0;
for (let i = 0; i < 9; i++) {
  // ABBA again: neither side always reads second (after the other warmed PostgreSQL's buffers).
  const order = i % 2 === 0 ? [false, true] : [true, false];
  for (const decrypting of order) {
    const r = await timedReplay(decrypting);
    (decrypting ? decs : raws).push(r.perSecond);
    (decrypting ? decCpu : rawCpu).push(r.cpuPerEvent);
    replayed = r.events;
  }
}
const raw = median(raws);
const dec = median(decs);
console.log(
  `replay events/s without decryption: ${fmt(raw)} (${replayed} events; runs ${raws.map((v) => fmt(v)).join(', ')})`,
);
console.log(`replay events/s with decryption:    ${fmt(dec)} (runs ${decs.map((v) => fmt(v)).join(', ')})`);
console.log(`ratio: ${fmt(dec / raw, 2)} (goal ≥ 0.8)`);
console.log(
  `replay CPU µs/event without decryption: ${fmt(median(rawCpu), 1)}, with: ${fmt(median(decCpu), 1)} (ratio of events per CPU second ${fmt(median(rawCpu) / median(decCpu), 2)})`,
);
reportResult({
  measure: 'replay with decryption vs without',
  ours: dec,
  baseline: raw,
  unit: 'events/s',
  goal: { on: 'ratio', op: '>=', value: 0.8 },
});
await Promise.all([plain.close(), encrypted.close()]);
