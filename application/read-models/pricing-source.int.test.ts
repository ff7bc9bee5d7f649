import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pricingProjection } from '../../projections/pricing/pricing-projection.ts';
import { createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { createCheckpointPublisher } from '../projection-runner/checkpoint-channel.ts';
import { type CheckpointWatcher, createCheckpointWatcher } from '../projection-runner/checkpoint-watcher.ts';
import { beginBuild, ensureServing } from '../projection-runner/generations.ts';
import { schemaName } from '../projection-runner/types.ts';
import { createPricingSource } from './pricing-source.ts';

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

let side: ReadSideForTest;
let watcher: CheckpointWatcher;
beforeAll(async () => {
  side = await createReadSideForTest('pricing-source');
  // No periodic refresh within the test: what moves the view is the checkpoint channel.
  watcher = createCheckpointWatcher({
    db: side.db,
    subscriber: side.redis.duplicate(),
    logger: side.logger,
    refreshMs: 600_000,
  });
});
afterAll(async () => {
  await watcher?.stop();
  await side?.close();
});

const setTier = (generation: number, userId: string, tier: string) =>
  sql`INSERT INTO ${sql.table(`${schemaName('pricing', generation)}.customer_tiers`)}
      (user_id, tier, revision, updated_at) VALUES (${userId}, ${tier}, '0', now())`.execute(side.db);

describe('pricing source: the serving generation from the checkpoint channel', () => {
  it('reads the generation the view holds, not a query a call, and sees a swap once it is announced', async () => {
    const first = await ensureServing(side.db, pricingProjection);
    await setTier(first, 'usr_1', 'gold');
    await watcher.start();
    const source = createPricingSource(side.db, (name) => watcher.state(name)?.generation);
    expect(await source.tierOf('usr_1')).toBe('gold');

    // A rebuilt generation becomes serving in PostgreSQL; until its announcement the view keeps the
    // previous one (which a rebuild keeps), so the source still answers from it.
    const second = await beginBuild(side.db, pricingProjection);
    await setTier(second, 'usr_1', 'platinum');
    await sql`UPDATE projection_generations SET serving = ${second}, building = NULL
      WHERE projection = 'pricing'`.execute(side.db);
    expect(await source.tierOf('usr_1')).toBe('gold');

    await createCheckpointPublisher(side.redis, side.logger).publish({
      projection: 'pricing',
      generation: second,
      position: null,
    });
    await eventually(async () => expect(await source.tierOf('usr_1')).toBe('platinum'));
  });
});
