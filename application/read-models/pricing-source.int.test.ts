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
    const source = createPricingSource(side.db, watcher);
    expect(await source.tierOf('usr_1')).toBe('gold');

    // A rebuilt generation becomes serving in PostgreSQL; until its announcement the view keeps the
    // previous one (kept a while after a swap), so the source still answers from it.
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

  it('keeps rules and tiers in process until the pricing projection names them stale', async () => {
    const serving = watcher.state('pricing')!.generation;
    const source = createPricingSource(side.db, watcher);
    const lamp = { productId: 'prd_lamp', category: 'Lighting' };
    expect((await source.rulesFor(lamp)).rules).toEqual([]);
    expect(await source.tierOf('usr_2')).toBe('none');
    await sql`INSERT INTO ${sql.table(`${schemaName('pricing', serving)}.rules`)}
        (rule_id, definition, enabled, scope_type, scope_value, starts_at, ends_at, revision, created_at, updated_at)
      VALUES ('prl_1', ${JSON.stringify({
        name: 'Lamps',
        kind: 'sale',
        scope: { category: 'lighting' },
        percent_off_bps: 1000,
        starts_at: null,
        ends_at: null,
      })}::jsonb, true, 'category', 'lighting', null, null, '0', now(), now())`.execute(side.db);
    await setTier(serving, 'usr_2', 'silver');
    // Not announced yet: the kept facts answer.
    expect((await source.rulesFor(lamp)).rules).toEqual([]);
    expect(await source.tierOf('usr_2')).toBe('none');
    const publisher = createCheckpointPublisher(side.redis, side.logger);
    await publisher.publish({
      projection: 'pricing',
      generation: serving,
      position: null,
      invalidate: ['rules'],
    });
    await eventually(async () =>
      expect((await source.rulesFor(lamp)).rules.map((r) => r.ruleId)).toEqual(['prl_1']),
    );
    expect(await source.tierOf('usr_2')).toBe('none');
    await publisher.publish({
      projection: 'pricing',
      generation: serving,
      position: null,
      invalidate: ['tier:usr_2'],
    });
    await eventually(async () => expect(await source.tierOf('usr_2')).toBe('silver'));
  });
});
