import type { IdKind } from '../../domain/shared/ids.ts';
import type { Config } from '../../infra/config.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Logger } from '../../infra/logger.ts';
import type { PaymentProvider } from '../../infra/payments/port.ts';
import type { PricingSource } from '../../infra/pricing/pricing-source.ts';
import type { CommandHandler } from '../commands/command-handler.ts';
import { type CheckoutDeps, pricingFrom } from './checkout-deps.ts';
import { advanceOrder, cancelOrder, releaseReservation } from './order-commands.ts';
import { placeOrder } from './place-order.ts';
import { reserveCart } from './reserve-cart.ts';
import { createStockWriter } from './stock-writer.ts';
import type { WorkflowFaults } from './workflow-deps.ts';

export type CheckoutServiceOptions = {
  store: EventStore;
  handler: CommandHandler;
  payments: PaymentProvider;
  config: Pick<Config, 'RESERVATION_TTL_SECONDS' | 'TAX_RATE' | 'SHIPPING_FLAT' | 'FREE_SHIPPING_OVER'>;
  clock: () => Date;
  ids: (kind: IdKind) => string;
  logger: Logger;
  faults?: WorkflowFaults;
  /** The active rules and tiers; absent: list prices. */
  rules?: PricingSource;
};

/** The checkout's application services, bound to their dependencies (used by the routes and the tests). */
export function createCheckoutServices(options: CheckoutServiceOptions) {
  const deps: CheckoutDeps = {
    store: options.store,
    handler: options.handler,
    payments: options.payments,
    clock: options.clock,
    logger: options.logger,
    ids: options.ids,
    stock: createStockWriter({ store: options.store, handler: options.handler, clock: options.clock }),
    reservationTtlSeconds: options.config.RESERVATION_TTL_SECONDS,
    pricing: pricingFrom(options.config),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  };
  return {
    deps,
    reserveCart: (...args: Parameters<typeof reserveCart> extends [unknown, ...infer R] ? R : never) =>
      reserveCart(deps, ...args),
    releaseReservation: (input: Parameters<typeof releaseReservation>[1]) => releaseReservation(deps, input),
    placeOrder: (input: Parameters<typeof placeOrder>[1]) => placeOrder(deps, input),
    cancelOrder: (input: Parameters<typeof cancelOrder>[1]) => cancelOrder(deps, input),
    advanceOrder: (...args: Parameters<typeof advanceOrder> extends [unknown, ...infer R] ? R : never) =>
      advanceOrder(deps, ...args),
  };
}

export type CheckoutServices = ReturnType<typeof createCheckoutServices>;
