import { domainUpcasters } from '../../domain/event-catalog.ts';
import type { Logger } from '../logger.ts';
import { attachPersonalData, type PersonalData } from '../privacy/personal-data.ts';
import { withPersonalData } from '../privacy/with-personal-data.ts';
import type { ShopMetrics } from '../telemetry/metrics.ts';
import { traceEventStore } from '../telemetry/traced-store.ts';
import { withHashChain } from './hash-chain/with-hash-chain.ts';
import type { EventStore } from './port.ts';
import { withUpcasting } from './upcasting.ts';

/**
 * The store as every role uses it: appends chained for tamper evidence (docs/audit.md), personal fields
 * encrypted outside the chain so that the chain covers the stored ciphertext (docs/privacy.md), and
 * traced outermost so the traceparent it stamps into metadata is covered by the hash. bin/start and the
 * test apps both build their store through this, so tests exercise what runs. Closing the store closes
 * the key store too.
 */
export function decorateStore(
  store: EventStore,
  options: { logger?: Logger; metrics?: ShopMetrics; personalData: PersonalData },
): EventStore {
  const chained = withHashChain(store, options.logger ? { logger: options.logger } : {});
  // Old event shapes are upcast above the decryption, so every reader sees the current schema_version.
  const upcast = withUpcasting(withPersonalData(chained, options.personalData), domainUpcasters);
  const traced = traceEventStore(upcast, {
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return attachPersonalData(traced, options.personalData);
}
