import { createCheckoutWorld } from '../../command-api/checkout/test-support.ts';
import { expiryRun } from './expiry.ts';
import { reservationRun } from './reservations.ts';
import { fmt } from './setup.ts';

/**
 * npm run bench:checkout — reservations/s on one hot product with 200 concurrent buyers (with the
 * conflict-retry rate, with and without in-process serialisation of the hot stream), on 200 distinct
 * products, and expiry precision over 10,000 reservations. Real PostgreSQL, a database of its own.
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
    for (const options of runs) {
      const r = await reservationRun(world, options);
      out(
        `| ${r.label} | ${r.buyers} | ${r.attempts} | ${r.succeeded} | ${r.refused} | ${fmt(r.perSecond)} | ${fmt(r.conflictsPerReservation, 2)} | ${r.oversold} |`,
      );
    }
    const leadSeconds = Math.max(20, Math.ceil(expiryCount / 400));
    const e = await expiryRun(world, { count: expiryCount, products: 100, windowSeconds, leadSeconds });
    out('');
    out(
      `expiry: ${e.reservations} reservations (set up in ${fmt(e.setupSeconds, 1)} s), expiries spread over ${e.windowSeconds} s`,
    );
    out(`release time − expires_at: p50 ${fmt(e.p50Ms)} ms, p99 ${fmt(e.p99Ms)} ms, max ${fmt(e.maxMs)} ms`);
  } finally {
    await world.close();
  }
}

await main();
