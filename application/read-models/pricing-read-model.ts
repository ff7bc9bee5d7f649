import { sql } from 'kysely';
import type { PricingRule } from '../../domain/pricing/rule.ts';
import { fromStoredRule, type StoredRuleDefinition } from '../../domain/pricing/stored-rule.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';
import type { ReadModelDb } from '../projection-runner/types.ts';

/** Cache keys this projection names stale (query-api/cart-pricing.ts), written by projections/pricing: any rule change, one customer's tier. */
export const RULES_KEY = 'rules';
export const tierKey = (userId: string) => `tier:${userId}`;

/**
 * Pricing read model: every rule (enabled or not; the window is checked at read time, so a rule starts
 * and ends without an event) and every customer's tier. Rows carry the stream revision they reflect, so
 * an older event never overwrites a newer state and replaying changes nothing.
 */
export type RuleRow = {
  rule_id: string;
  /** The stored definition (PricingRuleCreated/Changed data without schema_version and times). */
  definition: Record<string, unknown>;
  enabled: boolean;
  /** 'product' | 'category' | 'all'; the value is the product id or the lower-cased category. */
  scope_type: string;
  scope_value: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  revision: string;
  created_at: Date;
  updated_at: Date;
};
export type CustomerTierRow = { user_id: string; tier: string; revision: string; updated_at: Date };
export type PricingTables = { rules: RuleRow; customer_tiers: CustomerTierRow };

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

    /** A customer's tier; `none` when no tier was ever set. */
    async tierOf(schema: string, userId: string): Promise<Tier> {
      const { rows } = await sql<{ tier: Tier }>`SELECT tier FROM ${table(schema, 'customer_tiers')}
        WHERE user_id = ${userId}`.execute(db);
      return rows[0]?.tier ?? 'none';
    },
  };
}

export type PricingReadModel = ReturnType<typeof createPricingReadModel>;
