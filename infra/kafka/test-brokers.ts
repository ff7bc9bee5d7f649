import { defaultBrokerPorts } from './broker-files.ts';
import { parseBrokers } from './client.ts';

/**
 * The broker list for int/e2e tests: `KAFKA_TEST_BROKERS` (set by test/kafka-setup.ts, or by the caller
 * to point at another broker), else the local default 127.0.0.1:19092.
 */
export function kafkaTestBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return parseBrokers(env.KAFKA_TEST_BROKERS || `127.0.0.1:${defaultBrokerPorts.brokerPort}`);
}
