import { domainUpcasters } from '../../domain/event-catalog.ts';
import type { Logger } from '../logger.ts';
import { attachPersonalData, type PersonalData } from '../privacy/personal-data.ts';
import { withPersonalData } from '../privacy/with-personal-data.ts';
import type { ShopMetrics } from '../telemetry/metrics.ts';
import { traceEventStore } from '../telemetry/traced-store.ts';
import { withHashChain } from './hash-chain/with-hash-chain.ts';
import type { EventStore } from './port.ts';
import { withUpcasting } from './upcasting.ts';

export type ComposeOptions = {
  logger?: Logger;
  metrics?: ShopMetrics;
  /**
   * The personal-data service whose keys encrypt personal fields. 'none' leaves the encryption layer out
   * and nothing else: only the encryption benchmark's baseline asks for that (bench/privacy), so that
   * both of its sides run the same hash chain, upcasting and tracing.
   */
  personalData: PersonalData | 'none';
};

/**
 * The store as every role uses it, composed in this one place: appends chained for tamper evidence
 * (docs/audit.md), personal fields encrypted outside the chain so that the chain covers the stored
 * ciphertext (docs/privacy.md), old event shapes upcast above the decryption, and traced outermost so
 * the traceparent it stamps into metadata is covered by the hash. bin/start, the benchmarks and the test
 * apps all build their store through this, so what is measured and tested is what runs. Closing the
 * store closes the key store too.
 */
export function composeStore(store: EventStore, options: ComposeOptions): EventStore {
  const { personalData } = options;
  const chained = withHashChain(store, options.logger ? { logger: options.logger } : {});
  const decrypted = personalData === 'none' ? chained : withPersonalData(chained, personalData);
  // Old event shapes are upcast above the decryption, so every reader sees the current schema_version.
  const upcast = withUpcasting(decrypted, domainUpcasters);
  const traced = traceEventStore(upcast, {
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return personalData === 'none' ? traced : attachPersonalData(traced, personalData);
}

/**
 * The production composition, which always encrypts (composeStore without the benchmark's 'none').
 * @deprecated kept for branches in flight; call composeStore.
 */
export const decorateStore = (
  store: EventStore,
  options: ComposeOptions & { personalData: PersonalData },
): EventStore => composeStore(store, options);
