import { sql } from 'kysely';
import type { ApplyContext, PgProjection, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { RULES_KEY, tierKey } from '../../application/read-models/pricing-read-model.ts';
import {
  customerTierEventSchemas,
  type PricingRuleEvent,
  pricingRuleEventSchemas,
} from '../../domain/pricing/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

const ddl = (schema: string) => `
CREATE TABLE ${schema}.rules (
  rule_id text PRIMARY KEY,
  definition jsonb NOT NULL,
  enabled boolean NOT NULL,
  scope_type text NOT NULL,
  scope_value text,
  starts_at timestamptz,
  ends_at timestamptz,
  revision bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX rules_enabled_scope ON ${schema}.rules (scope_type, scope_value) WHERE enabled;
CREATE TABLE ${schema}.customer_tiers (
  user_id text PRIMARY KEY,
  tier text NOT NULL,
  revision bigint NOT NULL,
  updated_at timestamptz NOT NULL
);
`;

/** The scope columns of a stored scope; categories match case-insensitively, as the price calculation does. */
export function scopeColumns(scope: unknown): { scope_type: string; scope_value: string | null } {
  const s = scope as { product_id?: string; category?: string };
  if (s.product_id !== undefined) return { scope_type: 'product', scope_value: s.product_id };
  if (s.category !== undefined)
    return { scope_type: 'category', scope_value: s.category.trim().toLowerCase() };
  return { scope_type: 'all', scope_value: null };
}

async function applyRuleEvent(event: RecordedEvent & PricingRuleEvent, trx: ReadModelTrx, schema: string) {
  const table = sql.id(schema, 'rules');
  const revision = event.revision.toString();
  if (event.type === 'PricingRuleDisabled') {
    const data = pricingRuleEventSchemas.PricingRuleDisabled.parse(event.data);
    await sql`UPDATE ${table} SET enabled = false, revision = ${revision}, updated_at = ${data.disabled_at}
      WHERE rule_id = ${data.rule_id} AND revision < ${revision}`.execute(trx);
    return;
  }
  const data = pricingRuleEventSchemas[event.type].parse(event.data);
  const { schema_version: _v, ...rest } = data;
  const at = 'created_at' in rest ? rest.created_at : rest.changed_at;
  const {
    created_at: _c,
    changed_at: _ch,
    ...definition
  } = rest as typeof rest & {
    created_at?: string;
    changed_at?: string;
  };
  const { scope_type, scope_value } = scopeColumns(data.scope);
  await sql`INSERT INTO ${table} AS r (rule_id, definition, enabled, scope_type, scope_value, starts_at, ends_at,
      revision, created_at, updated_at)
    VALUES (${data.rule_id}, ${JSON.stringify(definition)}::jsonb, true, ${scope_type}, ${scope_value},
      ${data.starts_at}, ${data.ends_at}, ${revision}, ${at}, ${at})
    ON CONFLICT (rule_id) DO UPDATE SET definition = excluded.definition, scope_type = excluded.scope_type,
      scope_value = excluded.scope_value, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
      revision = excluded.revision, updated_at = excluded.updated_at
    WHERE r.revision < excluded.revision`.execute(trx);
}

async function apply(event: RecordedEvent, trx: ReadModelTrx, context: ApplyContext) {
  const { schema } = context;
  if (event.type in pricingRuleEventSchemas) {
    await applyRuleEvent(event as RecordedEvent & PricingRuleEvent, trx, schema);
    context.invalidate(RULES_KEY);
    return;
  }
  if (event.type !== 'CustomerTierChanged') return;
  const data = customerTierEventSchemas.CustomerTierChanged.parse(event.data);
  const revision = event.revision.toString();
  context.invalidate(tierKey(data.user_id));
  await sql`INSERT INTO ${sql.id(schema, 'customer_tiers')} AS t (user_id, tier, revision, updated_at)
    VALUES (${data.user_id}, ${data.new_tier}, ${revision}, ${data.changed_at})
    ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, revision = excluded.revision,
      updated_at = excluded.updated_at
    WHERE t.revision < excluded.revision`.execute(trx);
}

export const pricingProjection: PgProjection = {
  kind: 'postgres',
  name: 'pricing',
  eventTypes: [...Object.keys(pricingRuleEventSchemas), ...Object.keys(customerTierEventSchemas)],
  ddl,
  apply,
};
