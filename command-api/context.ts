import type { Redis } from 'ioredis';
import type { CommandHandler } from '../application/commands/command-handler.ts';
import type { IdKind } from '../domain/shared/ids.ts';
import type { Authenticator } from '../infra/auth/authenticator.ts';
import type { PasswordHasher } from '../infra/auth/password-hasher.ts';
import type { Sessions } from '../infra/auth/sessions.ts';
import type { TokenService } from '../infra/auth/tokens.ts';
import type { Config } from '../infra/config.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import type { Logger } from '../infra/logger.ts';
import type { PaymentProvider } from '../infra/payments/port.ts';
import type { PricingSource } from '../infra/pricing/pricing-source.ts';
import type { Snapshots } from '../infra/snapshots/snapshots.ts';
import type { ShopMetrics } from '../infra/telemetry/metrics.ts';
import type { FactViews } from './fact-views.ts';

/** Everything a route module of the command API may use; built once by createCommandApi. */
export type CommandApiContext = {
  store: EventStore;
  redis: Redis;
  config: Config;
  logger: Logger;
  clock: () => Date;
  /** New prefixed ids (`usr_…`, `prd_…`): the domain never makes its own. */
  ids: (kind: IdKind) => string;
  /** The metered handler (createMeteredCommandHandler): every command is counted in `commands_total`. */
  handler: CommandHandler;
  /** The process's metrics; a handler a route module builds for itself records into it too. */
  metrics: ShopMetrics;
  tokens: TokenService;
  sessions: Sessions;
  hasher: PasswordHasher;
  authenticator: Authenticator;
  /** The payment provider; when absent, checkout opens the sandbox lazily on DATABASE_URL (tests). */
  payments?: PaymentProvider;
  /** The active pricing rules and tiers (the pricing read model); absent: every line at its list price. */
  pricingRules?: PricingSource;
  /** In-process product and stock views (fact-views.ts); the cart's commands read facts there when set. */
  views?: FactViews;
  /** Snapshots of long streams, for handlers a route module builds itself (checkout's). */
  snapshots?: Snapshots;
};
