import type { Logger } from '../logger.ts';
import type { ShopMetrics } from '../telemetry/metrics.ts';
import { traceEventStore } from '../telemetry/traced-store.ts';
import { withHashChain } from './hash-chain/with-hash-chain.ts';
import type { EventStore } from './port.ts';

/**
 * The store as every role uses it: appends chained for tamper evidence (docs/audit.md), and traced
 * outermost so the traceparent it stamps into metadata is covered by the hash. bin/start and the test
 * apps both build their store through this, so tests exercise what runs.
 */
export function decorateStore(
  store: EventStore,
  options: { logger?: Logger; metrics?: ShopMetrics } = {},
): EventStore {
  return traceEventStore(withHashChain(store, options.logger ? { logger: options.logger } : {}), {
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
