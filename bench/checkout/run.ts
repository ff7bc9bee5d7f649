import { createCheckoutWorld } from '../../application/checkout/test-support.ts';
import { reportResult } from '../result.ts';
import { expiryRun } from './expiry.ts';
import { hotProcessesRun } from './hot-processes.ts';
import { reservationRun } from './reservations.ts';
import { fmt } from './setup.ts';

/**
 * npm run bench:checkout — reservations/s on one hot product with 200 concurrent buyers (with the
 * conflict-retry rate, with and without in-process serialisation of the hot stream, and through 1 and
 * HOT_PROCESSES (2) command processes each batching), on 200 distinct products, and expiry precision over 10,000 reservations. Real PostgreSQL, a database of its own.
 * EXPIRY_COUNT / EXPIRY_WINDOW_SECONDS / ROUNDS shrink or grow the run.
 */
async function main() {
  const rounds = Number(process.env.ROUNDS ?? 10);
  const expiryCount = Number(process.env.EXPIRY_COUNT ?? 10_000);
  const windowSeconds = Number(process.env.EXPIRY_WINDOW_SECONDS ?? 30);
  const world = await createCheckoutWorld('bench_checkout');
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    out(`checkout bench — node ${process.version}, ${new Date().toISOString()}`);
    out(
      '| run | buyers | attempts | reserved | refused | reservations/s | conflicts per attempt | oversold |',
    );
    out('|---|---|---|---|---|---|---|---|');
    const runs = [
      { label: 'hot product, batched per stock item', buyers: 200, rounds, hot: true, batched: true },
      {
        label: 'hot product, one append per command (racing, retry on conflict)',
        buyers: 200,
        rounds: 1,
        hot: true,
        batched: false,
      },
      { label: '200 distinct products, batched', buyers: 200, rounds, hot: false, batched: true },
    ];
    const results = [];
    for (const options of runs) {
      const r = await reservationRun(world, options);
      results.push(r);
      out(
        `| ${r.label} | ${r.buyers} | ${r.attempts} | ${r.succeeded} | ${r.refused} | ${fmt(r.perSecond)} | ${fmt(r.conflictsPerReservation, 2)} | ${r.oversold} |`,
      );
    }
    const [batched, racing] = results;
    reportResult({
      measure: 'hot product reservations, racing appends (one process) vs batching writer',
      ours: racing!.perSecond,
      baseline: batched!.perSecond,
      unit: 'reservations/s',
    });
    // The goal: several command processes on one hot product, as COMMAND_API_WORKERS runs them.
    // Each has its own batching writer; they race on the stream. ABBA order, so load falls on both.
    const processes = Number(process.env.HOT_PROCESSES ?? 2);
    const byCount = new Map<number, number[]>();
    for (const count of [1, processes, processes, 1]) {
      const r = await hotProcessesRun(world, { processes: count, buyers: 200, rounds });
      results.push(r);
      byCount.set(count, [...(byCount.get(count) ?? []), r.perSecond]);
      out(
        `| ${r.label} | ${r.buyers} | ${r.attempts} | ${r.succeeded} | ${r.refused} | ${fmt(r.perSecond)} | ${fmt(r.conflictsPerReservation, 2)} | ${r.oversold} |`,
      );
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    reportResult({
      measure: `hot product reservations, ${processes} command processes each batching vs 1 (mean of 2 runs each)`,
      ours: mean(byCount.get(processes)!),
      baseline: mean(byCount.get(1)!),
      unit: 'reservations/s',
      goal: { on: 'ours', op: '>=', value: 300 },
    });
    reportResult({
      measure: 'units oversold, all reservation runs',
      ours: results.reduce((sum, r) => sum + r.oversold, 0),
      unit: 'units',
      goal: { on: 'ours', op: '<=', value: 0 },
    });
    const leadSeconds = Math.max(20, Math.ceil(expiryCount / 400));
    const e = await expiryRun(world, { count: expiryCount, products: 100, windowSeconds, leadSeconds });
    out('');
    out(
      `expiry: ${e.reservations} reservations (set up in ${fmt(e.setupSeconds, 1)} s), expiries spread over ${e.windowSeconds} s`,
    );
    out(`release time − expires_at: p50 ${fmt(e.p50Ms)} ms, p99 ${fmt(e.p99Ms)} ms, max ${fmt(e.maxMs)} ms`);
    reportResult({
      measure: `reservation expiry, release − expires_at p99, ${e.reservations} reservations`,
      ours: e.p99Ms,
      unit: 'ms',
    });
  } finally {
    await world.close();
  }
}

await main();
