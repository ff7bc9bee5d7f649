import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricingReadModel } from '../../application/read-models/pricing-read-model.ts';
import { indexRules, rulesReaching } from '../../application/read-models/rule-index.ts';
import { inWindow } from '../../domain/pricing/rule.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { pricingProjection } from './pricing-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
const schema = 'rm_pricing_g1';
const t0 = '2026-01-15T10:00:00.000Z';
const now = new Date('2026-01-20T10:00:00.000Z');

const rule = (ruleId: string, overrides: Record<string, unknown> = {}) => ({
  schema_version: 1,
  rule_id: ruleId,
  name: `Rule ${ruleId}`,
  kind: 'sale',
  percent_off_bps: 1000,
  amount_off: null,
  scope: { all: true },
  min_quantity: null,
  tier: null,
  starts_at: null,
  ends_at: null,
  created_at: t0,
  ...overrides,
});
const append = async (stream: string, type: string, data: Record<string, unknown>) =>
  (await side.store.appendToStream(stream, [{ id: randomUUID(), type, data }], { expectedRevision: 'any' }))
    .position;

beforeAll(async () => {
  side = await createReadSideForTest('pricingproj');
  service = createProjectionService(side.deps, { projections: [pricingProjection], leaseRetryMs: 50 });
  service.start();
});
afterAll(async () => {
  await service?.stop();
  await side?.close();
});

const caughtUp = async (position: Position) => expect(await service.waitFor(position, 20_000)).toBe(true);
const model = () => createPricingReadModel(side.db);

describe('pricing projection (PostgreSQL)', () => {
  it('given rules of every scope and window → the active set for a product at a time', async () => {
    await append('pricingrule-prl_all', 'PricingRuleCreated', rule('prl_all'));
    await append(
      'pricingrule-prl_cat',
      'PricingRuleCreated',
      rule('prl_cat', { scope: { category: ' Laptops ' } }),
    );
    await append(
      'pricingrule-prl_other',
      'PricingRuleCreated',
      rule('prl_other', { scope: { category: 'Books' } }),
    );
    await append(
      'pricingrule-prl_prd',
      'PricingRuleCreated',
      rule('prl_prd', { scope: { product_id: 'prd_1' } }),
    );
    await append('pricingrule-prl_past', 'PricingRuleCreated', rule('prl_past', { ends_at: t0 }));
    await append(
      'pricingrule-prl_soon',
      'PricingRuleCreated',
      rule('prl_soon', { starts_at: '2026-02-01T00:00:00.000Z' }),
    );
    const head = await append('pricingrule-prl_off', 'PricingRuleCreated', rule('prl_off'));
    await append('pricingrule-prl_off', 'PricingRuleDisabled', {
      schema_version: 1,
      rule_id: 'prl_off',
      disabled_at: t0,
    });
    await caughtUp(head!);
    const last = await append('pricingrule-prl_cat', 'PricingRuleChanged', {
      ...rule('prl_cat', { scope: { category: 'LAPTOPS' }, percent_off_bps: 2500 }),
      created_at: undefined,
      changed_at: t0,
    });
    await caughtUp(last!);
    // What the command and query sides price from: every enabled rule indexed by scope, windows checked
    // by the price calculation.
    const index = indexRules(await model().allRules(schema));
    const reaching = (product: { productId: string; category: string }, at: Date) =>
      rulesReaching(index, product)
        .filter((r) => inWindow(r, at.getTime()))
        .map((r) => r.ruleId)
        .sort();
    expect(reaching({ productId: 'prd_1', category: 'laptops' }, now)).toEqual([
      'prl_all',
      'prl_cat',
      'prl_prd',
    ]);
    expect(
      rulesReaching(index, { productId: 'prd_1', category: 'laptops' }).find((r) => r.ruleId === 'prl_cat')
        ?.reduction,
    ).toEqual({
      type: 'percent',
      basisPoints: 2500,
    });
    expect(reaching({ productId: 'prd_2', category: 'Books' }, new Date('2026-02-01T00:00:00.000Z'))).toEqual(
      ['prl_all', 'prl_other', 'prl_soon'],
    );
    const all = await model().allRules(schema);
    expect(all).toHaveLength(7);
    expect(all.find((r) => r.ruleId === 'prl_off')).toMatchObject({ enabled: false });
  });

  it("given tier changes → the customer's latest tier; none for a customer without one", async () => {
    const changed = (old_tier: string, new_tier: string) => ({
      schema_version: 1,
      user_id: 'usr_1',
      old_tier,
      new_tier,
      source: 'admin',
      changed_at: t0,
    });
    await append('customertier-usr_1', 'CustomerTierChanged', changed('none', 'gold'));
    const head = await append('customertier-usr_1', 'CustomerTierChanged', changed('gold', 'platinum'));
    await caughtUp(head!);
    expect(await model().tierOf(schema, 'usr_1')).toBe('platinum');
    expect(await model().tierOf(schema, 'usr_2')).toBe('none');
  });

  // Newest first: the older event comes last, so only the guard keeps it from winning.
  it("applying a stream's events again, newest first, changes nothing (revision guard)", async () => {
    const before = await sql`SELECT * FROM ${sql.table(`${schema}.rules`)} ORDER BY rule_id`.execute(side.db);
    const events = (await side.store.readStream('pricingrule-prl_cat')).reverse();
    expect(events.length).toBeGreaterThan(1);
    await side.db.transaction().execute(async (trx) => {
      for (const event of events)
        await pricingProjection.apply(event, trx, { schema, invalidate: () => {}, logger: side.logger });
    });
    const after = await sql`SELECT * FROM ${sql.table(`${schema}.rules`)} ORDER BY rule_id`.execute(side.db);
    expect(after.rows).toEqual(before.rows);
  });
});
