import { describe } from 'vitest';
import { eventStoreContract } from '../contract-suite.ts';
import { startEsdbTestDouble } from '../esdb-test-double/server.ts';
import { createEsdbEventStore } from './esdb-store.ts';

// Fast resubscription keeps the dropped-connection case quick; production keeps the defaults.
const resubscribeBackoff = { initialMs: 20, maxMs: 500 };

eventStoreContract('eventstoredb (gRPC test double)', async () => {
  const double = await startEsdbTestDouble();
  const store = createEsdbEventStore({ connectionString: double.connectionString, resubscribeBackoff });
  return {
    store,
    dropConnections: async () => double.dropConnections(),
    teardown: async () => {
      await store.close();
      await double.stop();
    },
  };
});

const realServer = process.env.EVENTSTORE_CONNECTION_STRING;

describe.skipIf(!realServer)(
  'real EventStoreDB (skipped: set EVENTSTORE_CONNECTION_STRING, e.g. esdb://127.0.0.1:2113?tls=false)',
  () => {
    eventStoreContract('eventstoredb (real server)', async () => {
      const store = createEsdbEventStore({ connectionString: realServer!, resubscribeBackoff });
      return { store, teardown: () => store.close() };
    });
  },
);
