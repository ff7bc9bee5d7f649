// The publisher role for bench/kafka/main.ts, in its own process as in production (ROLES=publisher):
// OpenTelemetry loaded (main.ts forks it with --import infra/telemetry/register.ts, as `npm start` runs)
// and the store composed as bin/start composes it (hash chain, decryption, upcasting, tracing).
// Env: DATABASE_URL, KAFKA_BROKERS, BENCH_TOPIC_PREFIX (a round's prefix gets `r<round>-`), BENCH_BATCH.
// Messages: {round, head} → starts a fresh publisher (own checkpoint and topics), answers {seconds} once it
// has caught up to `head`; the last one keeps running (the live lag) until 'stop'.
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { parsePosition } from '../../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { parseBrokers } from '../../infra/kafka/client.ts';
import { createLogger } from '../../infra/logger.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { createKafkaPublisher, type KafkaPublisher } from '../../projections/publisher/publisher.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';

const logger = createLogger({ name: 'bench-kafka-publisher' });
const url = process.env.DATABASE_URL!;
const metrics = createMetrics({ runtime: false });
const pool = createPool({ connectionString: url, max: 4, applicationName: 'bench-kafka-publisher' });
const store = composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 4, logger }), {
  logger,
  metrics,
  personalData: await openPersonalData({ connectionString: url, logger, poolSize: 2 }),
});
const deps = {
  store,
  db: createReadModelDb(pool, logger),
  leaseClientConfig: { connectionString: url },
  metrics,
  logger,
};
let publisher: KafkaPublisher | undefined;

const handle = async (message: { round: number; head: string }) => {
  await publisher?.stop();
  publisher = createKafkaPublisher({
    brokers: parseBrokers(process.env.KAFKA_BROKERS!),
    deps,
    name: `kafka_publisher_r${message.round}`,
    topicPrefix: `${process.env.BENCH_TOPIC_PREFIX}r${message.round}-`,
    batchSize: Number(process.env.BENCH_BATCH),
  });
  publisher.start();
  await publisher.started;
  const head = parsePosition(message.head);
  if (!head) throw new Error(`not a position: ${message.head}`);
  const started = performance.now();
  if (!(await publisher.waitFor(head, 600_000))) throw new Error('the publisher did not catch up in 10 min');
  return (performance.now() - started) / 1000;
};

process.on('message', async (message: { round: number; head: string } | 'stop') => {
  if (message === 'stop') {
    // A failure while closing still ends the process, with its message on stderr and a non-zero code
    // (the bench waits for this exit), instead of an unhandled rejection left running.
    try {
      await publisher?.stop();
      await store.close();
      await pool.end();
    } catch (error) {
      process.stderr.write(
        `publisher child: stop failed: ${error instanceof Error ? error.message : error}\n`,
      );
      process.exit(1);
    }
    process.exit(0);
  }
  try {
    process.send?.({ seconds: await handle(message) });
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.message : String(error) });
  }
});
// The bench's process is gone (killed, or it crashed): do not keep its database's connections open.
process.on('disconnect', () => process.exit(1));
process.send?.('ready');
