import type { Logger } from '../logger.ts';
import { createEsdbEventStore } from './esdb/esdb-store.ts';
import type { EventStore } from './port.ts';
import { createPostgresEventStore } from './postgres/store.ts';

export type StoreConfig = { DATABASE_URL: string; EVENTSTORE_CONNECTION_STRING?: string | undefined };

/** EventStoreDB when EVENTSTORE_CONNECTION_STRING is set, else the embedded PostgreSQL store. */
export async function createEventStore(
  config: StoreConfig,
  logger: Logger,
  /** Connections of the PostgreSQL store's pool (default 10): smaller in each of several API workers. */
  options: { poolSize?: number } = {},
): Promise<{ store: EventStore; kind: string }> {
  if (config.EVENTSTORE_CONNECTION_STRING) {
    return {
      store: createEsdbEventStore({ connectionString: config.EVENTSTORE_CONNECTION_STRING, logger }),
      kind: 'eventstoredb',
    };
  }
  return {
    store: await createPostgresEventStore({
      connectionString: config.DATABASE_URL,
      logger,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    }),
    kind: 'postgresql',
  };
}
