import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { PricingRuleCommand } from './commands.ts';
import { type PricingRuleCreated, type PricingRuleEvent, pricingRuleEventSchemas } from './events.ts';
import { pricingRuleDecider } from './pricing-rule.ts';
import type { RuleDefinition } from './rule.ts';

const ruleId = 'prl_r1';
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const rules = given(pricingRuleDecider);

const definition = (overrides: Partial<RuleDefinition> = {}): RuleDefinition => ({
  name: 'Bulk 10',
  kind: 'quantity',
  reduction: { type: 'percent', basisPoints: 1000 },
  scope: { type: 'category', category: 'Tools' },
  minQuantity: 10,
  tier: null,
  startsAt: null,
  endsAt: null,
  ...overrides,
});
const create = (
  overrides: Partial<RuleDefinition> = {},
  productPrice?: number | null,
): PricingRuleCommand => ({
  type: 'CreatePricingRule',
  data: {
    ruleId,
    definition: definition(overrides),
    now: t0,
    ...(productPrice !== undefined ? { productPrice } : {}),
  },
});
const change = (overrides: Partial<RuleDefinition> = {}): PricingRuleCommand => ({
  type: 'ChangePricingRule',
  data: { ruleId, definition: definition(overrides), now: t1 },
});
const disable: PricingRuleCommand = { type: 'DisablePricingRule', data: { ruleId, now: t1 } };

const created: PricingRuleCreated = {
  type: 'PricingRuleCreated',
  data: {
    schema_version: 1,
    rule_id: ruleId,
    name: 'Bulk 10',
    kind: 'quantity',
    percent_off_bps: 1000,
    amount_off: null,
    scope: { category: 'Tools' },
    min_quantity: 10,
    tier: null,
    starts_at: null,
    ends_at: null,
    created_at: t0,
  },
};
const disabled: PricingRuleEvent = {
  type: 'PricingRuleDisabled',
  data: { schema_version: 1, rule_id: ruleId, disabled_at: t1 },
};
const valid = (events: PricingRuleEvent[]) => {
  for (const e of events) expect(pricingRuleEventSchemas[e.type].parse(e.data)).toEqual(e.data);
};
const fieldsOf = (command: PricingRuleCommand, code: ErrorCode = ErrorCode.ValidationFailed) =>
  rules()
    .when(command)
    .thenThrows(code)
    .details.map((d) => d.field);

describe('CreatePricingRule', () => {
  it('defines a rule, enabled', () => {
    valid(rules().when(create()).thenEvents([created]));
    expect(rules(created).state()).toMatchObject({ status: 'defined', rule: { ruleId, enabled: true } });
  });

  it('stores a product-scoped amount, a tier rule and a window', () => {
    const events = rules()
      .when(
        create(
          {
            kind: 'tier',
            minQuantity: null,
            tier: 'gold',
            reduction: { type: 'amount', amount: 500 },
            scope: { type: 'product', productId: 'prd_p1' },
            startsAt: t0,
            endsAt: t1,
          },
          9_999,
        ),
      )
      .events();
    valid(events);
    expect(events[0]?.data).toMatchObject({
      amount_off: 500,
      percent_off_bps: null,
      tier: 'gold',
      scope: { product_id: 'prd_p1' },
      starts_at: t0,
      ends_at: t1,
    });
  });

  it('refuses a rule id that exists (RES_3002)', () => {
    rules(created).when(create()).thenThrows(ErrorCode.AlreadyExists);
  });

  it.each([
    ['percent above 90', { reduction: { type: 'percent', basisPoints: 9001 } }, 'percent_off'],
    ['negative percent', { reduction: { type: 'percent', basisPoints: -1 } }, 'percent_off'],
    ['zero amount', { reduction: { type: 'amount', amount: 0 } }, 'amount_off'],
    ['ends before it starts', { startsAt: t1, endsAt: t0 }, 'ends_at'],
    ['ends when it starts', { startsAt: t0, endsAt: t0 }, 'ends_at'],
    ['a start that is no date', { startsAt: 'tomorrow' }, 'starts_at'],
    ['an unknown kind', { kind: 'bogo' }, 'kind'],
    ['a blank name', { name: '  ' }, 'name'],
    ['a blank category', { scope: { type: 'category', category: ' ' } }, 'scope.category'],
    ['a zero min_quantity', { minQuantity: 0 }, 'min_quantity'],
    ['a tier rule for tier none', { kind: 'tier', minQuantity: null, tier: 'none' }, 'tier'],
    ['a sale with min_quantity', { kind: 'sale' }, 'min_quantity'],
    ['a sale with a tier', { kind: 'sale', minQuantity: null, tier: 'gold' }, 'tier'],
  ] as [string, Partial<RuleDefinition>, string][])(
    'refuses %s (VAL_2001 naming it)',
    (_label, overrides, field) => {
      expect(fieldsOf(create(overrides))).toEqual([field]);
    },
  );

  it.each([
    ['a quantity rule without min_quantity', { minQuantity: null }, 'min_quantity'],
    ['a tier rule without tier', { kind: 'tier', minQuantity: null }, 'tier'],
  ] as [string, Partial<RuleDefinition>, string][])(
    'refuses %s (VAL_2002 naming it: the kind requires the field)',
    (_label, overrides, field) => {
      expect(fieldsOf(create(overrides), ErrorCode.RequiredFieldMissing)).toEqual([field]);
    },
  );

  it("refuses an amount above the product's price, and a product that does not exist", () => {
    const scope = { type: 'product' as const, productId: 'prd_p1' };
    const amount = (value: number) => ({ scope, reduction: { type: 'amount' as const, amount: value } });
    expect(fieldsOf(create(amount(1_000), 999))).toEqual(['amount_off']);
    expect(
      rules()
        .when(create(amount(999), 999))
        .events(),
    ).toHaveLength(1);
    expect(fieldsOf(create({ scope }, null))).toEqual(['scope.product_id']);
  });

  it('names every problem at once', () => {
    expect(
      fieldsOf(create({ reduction: { type: 'percent', basisPoints: 9500 }, startsAt: t1, endsAt: t0 })),
    ).toEqual(['percent_off', 'ends_at']);
  });
});

describe('ChangePricingRule', () => {
  it('replaces the definition with a full new one', () => {
    const events = rules(created)
      .when(change({ reduction: { type: 'percent', basisPoints: 1200 } }))
      .events();
    valid(events);
    expect(events).toMatchObject([
      { type: 'PricingRuleChanged', data: { percent_off_bps: 1200, changed_at: t1 } },
    ]);
    expect(rules(created, ...events).state()).toMatchObject({
      rule: { reduction: { basisPoints: 1200 }, enabled: true },
    });
  });

  it('appends nothing when nothing changes', () => {
    rules(created).when(change()).thenEvents([]);
  });

  it('refuses an unknown rule (RES_3001), a disabled one (BIZ_4006) and bad input (VAL_2001)', () => {
    rules().when(change()).thenThrows(ErrorCode.NotFound);
    rules(created, disabled)
      .when(change({ name: 'New' }))
      .thenThrows(ErrorCode.IllegalStateTransition);
    rules(created)
      .when(change({ minQuantity: -3 }))
      .thenThrows(ErrorCode.ValidationFailed);
  });
});

describe('DisablePricingRule', () => {
  it('disables a rule once; again is a no-op', () => {
    rules(created).when(disable).thenEvents([disabled]);
    rules(created, disabled).when(disable).thenEvents([]);
    expect(rules(created, disabled).state()).toMatchObject({ rule: { enabled: false } });
  });

  it('refuses an unknown rule', () => {
    rules().when(disable).thenThrows(ErrorCode.NotFound);
  });
});
