import type { CheckoutWorld } from '../../application/checkout/test-support.ts';
import { stockStream } from '../../domain/inventory/stock.ts';
import type { ProductId, ReservationId } from '../../domain/shared/ids.ts';
import { percentile } from './setup.ts';

export type ExpiryRun = {
  reservations: number;
  windowSeconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  setupSeconds: number;
};

/**
 * `count` reservations on `products` items whose expiries are spread over `windowSeconds`, starting once
 * they are all in place; the process manager releases them. Precision = when ReservationExpired was
 * recorded minus expires_at.
 */
export async function expiryRun(
  world: CheckoutWorld,
  options: { count: number; products: number; windowSeconds: number; leadSeconds: number },
): Promise<ExpiryRun> {
  const products: ProductId[] = Array.from({ length: options.products }, () => world.newProduct());
  for (const product of products) await world.receive(product, options.count);
  const setupStarted = Date.now();
  const firstExpiry = setupStarted + options.leadSeconds * 1000;
  const stepMs = (options.windowSeconds * 1000) / options.count;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.count; i = next++) {
      const productId = products[i % products.length]!;
      const reservationId = `rsv_bench${i}` as ReservationId;
      const expiresAt = new Date(firstExpiry + Math.round(i * stepMs)).toISOString();
      await world.services.deps.stock.execute(
        {
          type: 'ReserveStock',
          data: { productId, reservationId, quantity: 1, expiresAt, now: new Date().toISOString() },
        },
        world.metadata,
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  if (Date.now() > firstExpiry)
    throw new Error(`setup took ${setupSeconds}s, longer than the lead time; raise leadSeconds`);

  const manager = await world.startProcessManager({ claim: { batchSize: 32, maxIdleMs: 1_000 } });
  const lateness: number[] = [];
  try {
    const deadline = firstExpiry + options.windowSeconds * 1000 + 60_000;
    const seen = new Set<string>();
    while (seen.size < options.count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const product of products) {
        const events = await world.readAllOf(stockStream(product));
        for (const event of events) {
          if (event.type !== 'ReservationExpired' || seen.has(event.id)) continue;
          seen.add(event.id);
          lateness.push(event.recordedAt.getTime() - Date.parse(String(event.data.expires_at)));
        }
      }
    }
  } finally {
    await manager.stop();
  }
  if (lateness.length < options.count)
    throw new Error(`only ${lateness.length} of ${options.count} reservations expired`);
  lateness.sort((a, b) => a - b);
  return {
    reservations: options.count,
    windowSeconds: options.windowSeconds,
    p50Ms: percentile(lateness, 50),
    p99Ms: percentile(lateness, 99),
    maxMs: lateness.at(-1)!,
    setupSeconds,
  };
}
