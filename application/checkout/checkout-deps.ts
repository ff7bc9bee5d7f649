import type { PricingConfig } from '../../domain/ordering/totals.ts';
import type { IdKind } from '../../domain/shared/ids.ts';
import { toMinorUnits } from '../../domain/shared/money.ts';
import type { Config } from '../../infra/config.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { PricingSource } from '../../infra/pricing/pricing-source.ts';
import type { WorkflowDeps } from './workflow-deps.ts';

/** What the checkout services need: the workflow's dependencies, new ids, and the settings from config. */
export type CheckoutDeps = WorkflowDeps & {
  store: EventStore;
  ids: (kind: IdKind) => string;
  reservationTtlSeconds: number;
  pricing: PricingConfig;
  /** The active rules and tiers (the pricing read model); absent: every line at its list price. */
  rules?: PricingSource;
};

/** API.md's TAX_RATE, SHIPPING_FLAT and FREE_SHIPPING_OVER as integer minor units and an exact rate. */
export const pricingFrom = (
  config: Pick<Config, 'TAX_RATE' | 'SHIPPING_FLAT' | 'FREE_SHIPPING_OVER'>,
): PricingConfig => ({
  taxRate: config.TAX_RATE,
  shippingFlat: toMinorUnits(Number(config.SHIPPING_FLAT), 'SHIPPING_FLAT'),
  freeShippingOver: toMinorUnits(Number(config.FREE_SHIPPING_OVER), 'FREE_SHIPPING_OVER'),
});
