/**
 * TEST DOUBLE — not a product feature. A small gRPC server that speaks enough of EventStoreDB's protocol
 * (the service descriptors shipped in @eventstore/db-client/generated) for our EventStoreDB adapter and
 * its contract suite to run where no real server can: Streams.Append, Streams.Read (stream, $all,
 * $all subscriptions) and ServerFeatures, over an in-memory log. Never wire it into the product.
 */
import { createServer } from 'node:net';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { createAppendHandler } from './append-handler.ts';
import { MemoryLog } from './memory-log.ts';
import { createReadHandler, type WireCounts } from './read-handler.ts';

export type EsdbTestDouble = {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  connectionString: string;
  port: number;
  /** Ends every open connection at once (live subscriptions included), as a network drop would.
   * The server keeps listening, with its log intact, so clients can reconnect. */
  dropConnections(): void;
  /** Events of this type that subscriptions have sent so far (after the server-side filter). */
  subscriptionEventsSent(type: string): number;
  stop(): Promise<void>;
};

const STREAMS_SERVICE = 'event_store.client.streams.Streams';

/** The client asks this once per connection, to choose Append over BatchAppend. */
function supportedMethods() {
  const { SupportedMethod, SupportedMethods } = serverFeaturesPb;
  const methods = ['read', 'append'].map((name) =>
    new SupportedMethod().setServiceName(STREAMS_SERVICE).setMethodName(name),
  );
  return new SupportedMethods().setEventStoreServerVersion('0.0.0-test-double').setMethodsList(methods);
}

/** grpc-js cannot drain a port bound as 0, so the double picks its free port first. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export async function startEsdbTestDouble(options: { port?: number } = {}): Promise<EsdbTestDouble> {
  const log = new MemoryLog();
  const server = new Server();
  const wire: WireCounts = new Map();
  server.addService(streamsGrpc.StreamsService, {
    read: createReadHandler(log, wire),
    append: createAppendHandler(log),
  });
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: (_call: unknown, callback: (error: null, response: unknown) => void) =>
      callback(null, supportedMethods()),
  });
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    connectionString: `esdb://${address}?tls=false`,
    port,
    dropConnections: () => server.drain(address, 0),
    subscriptionEventsSent: (type) => wire.get(type) ?? 0,
    stop: async () => {
      server.forceShutdown();
    },
  };
}
