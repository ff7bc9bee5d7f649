// One command process of bench/checkout/hot-processes.ts: opens the checkout services over the bench's
// database, as a command-API worker does (its own pools, its own batching stock writer), and on 'go'
// reserves the carts it was handed, `buyers` at once. Answers with its counts.
import { openCheckoutWorld } from '../../application/checkout/test-support.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { reserveAll } from './reservations.ts';
import { benchDeps } from './setup.ts';

type Task = { databaseUrl: string; buyers: UserId[][] };

process.once('message', async ({ databaseUrl, buyers }: Task) => {
  const world = await openCheckoutWorld(
    { url: databaseUrl, drop: async () => {} },
    { poolSizes: { store: 8, other: 2 } },
  );
  const { deps, counts } = benchDeps(world, { batched: true });
  process.once('message', async () => {
    const { succeeded, refused } = await reserveAll(deps, buyers, world.metadata);
    process.send?.({ succeeded, refused, conflicts: counts.conflicts });
    await world.close();
    process.exit(0);
  });
  process.send?.('ready');
});
