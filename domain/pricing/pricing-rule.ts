import { type Decider, unreachable } from '../shared/decider.ts';
import { alreadyExists, illegalTransition, notFound } from '../shared/errors.ts';
import type { ChangePricingRule, CreatePricingRule, PricingRuleCommand } from './commands.ts';
import type { PricingRuleEvent } from './events.ts';
import type { PricingRule } from './rule.ts';
import { fromStoredRule, toStoredRule } from './stored-rule.ts';
import { checkRuleDefinition } from './validation.ts';

/** One stream per rule. */
export const pricingRuleStream = (ruleId: string) => `pricingrule-${ruleId}`;

export type PricingRuleState = { status: 'none' } | { status: 'defined'; rule: PricingRule };

export const initialState = (): PricingRuleState => ({ status: 'none' });

export function decide(command: PricingRuleCommand, state: PricingRuleState): PricingRuleEvent[] {
  switch (command.type) {
    case 'CreatePricingRule':
      return create(command, state);
    case 'ChangePricingRule':
      return change(command, state);
    case 'DisablePricingRule': {
      const rule = existing(state, command.data.ruleId);
      // Disabling twice is a no-op, so a retried POST succeeds and appends nothing.
      if (!rule.enabled) return [];
      return [
        {
          type: 'PricingRuleDisabled',
          data: { schema_version: 1, rule_id: rule.ruleId, disabled_at: command.data.now },
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

function existing(state: PricingRuleState, ruleId: string): PricingRule {
  if (state.status === 'none') throw notFound('Pricing rule', ruleId);
  return state.rule;
}

function create({ data }: CreatePricingRule, state: PricingRuleState): PricingRuleEvent[] {
  if (state.status !== 'none') throw alreadyExists(`Pricing rule ${data.ruleId}`);
  const definition = checkRuleDefinition(data.definition, data.productPrice);
  return [
    {
      type: 'PricingRuleCreated',
      data: { schema_version: 1, ...toStoredRule(data.ruleId, definition), created_at: data.now },
    },
  ];
}

// A PUT replaces the whole definition; one that changes nothing appends nothing. A disabled rule is
// final: re-enabling would be a new rule, so its history stays readable.
function change({ data }: ChangePricingRule, state: PricingRuleState): PricingRuleEvent[] {
  const rule = existing(state, data.ruleId);
  if (!rule.enabled) throw illegalTransition('pricing rule', 'disabled', 'change');
  const definition = checkRuleDefinition(data.definition, data.productPrice);
  const stored = toStoredRule(rule.ruleId, definition);
  if (JSON.stringify(stored) === JSON.stringify(toStoredRule(rule.ruleId, rule))) return [];
  return [{ type: 'PricingRuleChanged', data: { schema_version: 1, ...stored, changed_at: data.now } }];
}

export function evolve(state: PricingRuleState, event: PricingRuleEvent): PricingRuleState {
  switch (event.type) {
    case 'PricingRuleCreated':
    case 'PricingRuleChanged': {
      const { schema_version: _v, rule_id, ...rest } = event.data;
      const stored = { rule_id, ...rest };
      const enabled = state.status === 'defined' ? state.rule.enabled : true;
      return { status: 'defined', rule: { ruleId: rule_id, enabled, ...fromStoredRule(stored) } };
    }
    case 'PricingRuleDisabled':
      if (state.status === 'none') return state;
      return { status: 'defined', rule: { ...state.rule, enabled: false } };
    default:
      return unreachable(event);
  }
}

export const pricingRuleDecider: Decider<PricingRuleCommand, PricingRuleEvent, PricingRuleState> = {
  decide,
  evolve,
  initialState,
};
