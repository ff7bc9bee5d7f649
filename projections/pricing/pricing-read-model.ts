import { sql } from 'kysely';
import type { ReadModelDb } from '../../application/projection-runner/types.ts';
import type { PricingRule } from '../../domain/pricing/rule.ts';
import { fromStoredRule, type StoredRuleDefinition } from '../../domain/pricing/stored-rule.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';
import type { RuleRow } from './pricing-projection.ts';

const toRule = (row: Pick<RuleRow, 'rule_id' | 'definition' | 'enabled'>): PricingRule => ({
  ruleId: row.rule_id,
  enabled: row.enabled,
  ...fromStoredRule(row.definition as StoredRuleDefinition),
});

/**
 * Reads of the pricing read model, for the query API now and the command side's re-pricing next. `schema`
 * is the serving generation (`rm_pricing_g<N>`).
 */
export function createPricingReadModel(db: ReadModelDb) {
  const table = (schema: string, name: string) => sql.table(`${schema}.${name}`);
  return {
    /** Every rule, newest first (admin listing). */
    async allRules(schema: string): Promise<PricingRule[]> {
      const { rows } = await sql<RuleRow>`SELECT rule_id, definition, enabled FROM ${table(schema, 'rules')}
        ORDER BY created_at DESC, rule_id`.execute(db);
      return rows.map(toRule);
    },

    /** The enabled rules that reach this product at `now` (scope and window); the price calculation picks. */
    async activeRulesFor(
      schema: string,
      product: { productId: string; category: string },
      now: Date,
    ): Promise<PricingRule[]> {
      const category = product.category.trim().toLowerCase();
      const { rows } = await sql<RuleRow>`SELECT rule_id, definition, enabled FROM ${table(schema, 'rules')}
        WHERE enabled
          AND (starts_at IS NULL OR starts_at <= ${now}) AND (ends_at IS NULL OR ends_at > ${now})
          AND ((scope_type = 'all')
            OR (scope_type = 'product' AND scope_value = ${product.productId})
            OR (scope_type = 'category' AND scope_value = ${category}))`.execute(db);
      return rows.map(toRule);
    },

    /** A customer's tier; `none` when no tier was ever set. */
    async tierOf(schema: string, userId: string): Promise<Tier> {
      const { rows } = await sql<{ tier: Tier }>`SELECT tier FROM ${table(schema, 'customer_tiers')}
        WHERE user_id = ${userId}`.execute(db);
      return rows[0]?.tier ?? 'none';
    },
  };
}

export type PricingReadModel = ReturnType<typeof createPricingReadModel>;
