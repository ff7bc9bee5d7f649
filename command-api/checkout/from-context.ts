import type pg from 'pg';
import { type CheckoutServices, createCheckoutServices } from '../../application/checkout/services.ts';
import { createMeteredCommandHandler } from '../../application/commands/traced-handler.ts';
import type { Logger } from '../../infra/logger.ts';
import type { PaymentProvider } from '../../infra/payments/port.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import type { CommandApiContext } from '../context.ts';

/**
 * The sandbox provider over its own small pool on DATABASE_URL, created (and its table migrated) on first
 * use. Used only when the context carries no `payments` of its own.
 */
export function lazySandboxPayments(
  connectionString: string,
  logger: Logger,
): PaymentProvider & { close(): Promise<void> } {
  let ready: Promise<{ pool: pg.Pool; provider: PaymentProvider }> | undefined;
  const get = () => {
    ready ??= (async () => {
      const pool = createPool({ connectionString, max: 4, applicationName: 'payments-sandbox', logger });
      await migratePayments(pool, logger);
      return { pool, provider: createSandboxPaymentProvider({ pool }) };
    })();
    return ready.then((r) => r.provider);
  };
  return {
    charge: async (request) => (await get()).charge(request),
    findCharge: async (key) => (await get()).findCharge(key),
    refund: async (request) => (await get()).refund(request),
    async close() {
      if (ready) await (await ready).pool.end();
    },
  };
}

const services = new WeakMap<CommandApiContext, CheckoutServices>();

/**
 * One set of checkout services per command-API context, shared by the checkout and order routes. The
 * payment provider comes from the context when it has one (`payments`), else the sandbox.
 */
export function checkoutServicesFor(ctx: CommandApiContext): CheckoutServices {
  const existing = services.get(ctx);
  if (existing) return existing;
  const payments = ctx.payments ?? lazySandboxPayments(ctx.config.DATABASE_URL, ctx.logger);
  const created = createCheckoutServices({
    store: ctx.store,
    // Its own handler, metered like the context's: reservations on a hot product need more conflict
    // retries than other commands.
    handler: createMeteredCommandHandler({
      store: ctx.store,
      logger: ctx.logger,
      clock: ctx.clock,
      maxRetries: 40,
      metrics: ctx.metrics,
      ...(ctx.snapshots ? { snapshots: ctx.snapshots } : {}),
    }),
    payments,
    config: ctx.config,
    clock: ctx.clock,
    ids: ctx.ids,
    logger: ctx.logger,
    ...(ctx.pricingRules ? { rules: ctx.pricingRules } : {}),
  });
  services.set(ctx, created);
  return created;
}
