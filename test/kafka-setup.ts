import type { TestProject } from 'vitest/node';
import { brokerAddress, brokerPortsFromEnv } from '../infra/kafka/broker-files.ts';
import { ensureBroker } from '../infra/kafka/broker-process.ts';
import { brokerAnswers } from '../infra/kafka/readiness.ts';
import { createLogger } from '../infra/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port list of the test broker (same value as `KAFKA_TEST_BROKERS`). */
    kafkaBrokers: string;
  }
}

/**
 * vitest globalSetup for the int and e2e projects: makes sure a Kafka broker answers, and tells the
 * tests where (`process.env.KAFKA_TEST_BROKERS`, inherited by the workers, and `inject('kafkaBrokers')`).
 *
 * - `KAFKA_TEST_BROKERS` set by the caller: that broker is used as is; nothing is started.
 * - otherwise our local broker (infra/kafka, 127.0.0.1:19092): reused when it answers, else the jars are
 *   fetched if missing and it is started as a daemon.
 *
 * There is deliberately no teardown: the broker is left running for the next run and for other vitest
 * projects or checkouts that share it (`npm run kafka:stop` stops it). Tests isolate themselves by topic.
 */
export default async function setup(project: TestProject): Promise<void> {
  const logger = createLogger({ name: 'kafka-setup', level: process.env.LOG_LEVEL ?? 'warn' });
  const given = process.env.KAFKA_TEST_BROKERS?.trim();
  let brokers: string;
  if (given) {
    const first = given.split(',')[0]?.trim() ?? given;
    if (!(await brokerAnswers(first, 5000))) {
      throw new Error(`KAFKA_TEST_BROKERS=${given}: no Kafka broker answers at ${first}`);
    }
    brokers = given;
  } else {
    const ports = brokerPortsFromEnv();
    const result = await ensureBroker({ logger, ports }).catch((error: Error) => {
      throw new Error(`could not start the test Kafka broker at ${brokerAddress(ports)}: ${error.message}`);
    });
    if (!result.reused) {
      const fetched = result.fetchMs > 0 ? `jars fetched in ${result.fetchMs} ms, ` : '';
      console.warn(
        `kafka-setup: started the test broker at ${result.address} (${fetched}up in ${result.startMs} ms)`,
      );
    }
    brokers = result.address;
  }
  process.env.KAFKA_TEST_BROKERS = brokers;
  project.provide('kafkaBrokers', brokers);
}
