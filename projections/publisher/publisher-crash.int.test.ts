import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topicNames } from '../../application/integration-events/index.ts';
import { comparePositions, type Position, parsePosition } from '../../infra/eventstore/position.ts';
import { kafkaTestBrokers } from '../../infra/kafka/test-brokers.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { createKafkaPublisher } from './publisher.ts';
import { dedupe, readTopics, scanAndDeleteTopics, testKafka, testTopicPrefix } from './test-support.ts';

// The publisher dies after Kafka acknowledged a batch and before its checkpoint moved (injected at that
// exact point): the restarted publisher sends the batch again. Duplicates, yes; loss, never.
let side: ReadSideForTest;
let kafka: Kafka;
let admin: Admin;
const prefix = testTopicPrefix('crash');
const topics = topicNames(prefix);

beforeAll(async () => {
  side = await createReadSideForTest('kafka_crash');
  kafka = testKafka(kafkaTestBrokers(), side.logger);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  const scan = await scanAndDeleteTopics(kafka, admin, prefix);
  await admin.disconnect();
  await side.close();
  expect(scan.secrets).toEqual([]);
});

const checkpoint = async (): Promise<Position | undefined> => {
  const row = await side.db
    .selectFrom('projection_checkpoints')
    .select('position')
    .where('projection', '=', 'kafka_publisher')
    .executeTakeFirst();
  return row?.position ? parsePosition(row.position) : undefined;
};

it('redelivers the batch acknowledged before the crash, and loses nothing', async () => {
  const run = randomBytes(3).toString('hex');
  const keys = Array.from({ length: 20 }, (_, i) => `prd_${run}_${i}`);
  let head: Position | undefined;
  for (let n = 0; n < 25; n += 1) {
    for (const product of keys) {
      const result = await side.store.appendToStream(
        `product-${product}`,
        [
          {
            id: randomUUID(),
            type: 'PriceChanged',
            data: {
              schema_version: 1,
              product_id: product,
              old_price: 100 + n,
              new_price: 101 + n,
              currency: 'EUR',
              changed_at: '2026-03-01T12:00:00.000Z',
            },
          },
        ],
        { expectedRevision: 'any' },
      );
      head = result.position;
    }
  }

  const batches: number[] = [];
  let crashed!: () => void;
  const crash = new Promise<void>((resolve) => {
    crashed = resolve;
  });
  const first = createKafkaPublisher({
    brokers: kafkaTestBrokers(),
    deps: side.deps,
    topicPrefix: prefix,
    batchSize: 50,
    runner: {
      faults: {
        // The third batch: acknowledged by Kafka, then the process "dies" before the checkpoint.
        async afterDeliver(events, signal) {
          batches.push(events.length);
          if (batches.length < 3) return;
          crashed();
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          throw Object.assign(new Error('killed'), { name: 'AbortError' });
        },
      },
    },
  });
  first.start();
  await crash;
  await first.stop();
  const atCrash = await checkpoint();
  // Batches fill up to 50 from what the store has ready (normally 50 each: all 500 events are there).
  const [one, two, crashedBatch] = batches as [number, number, number];
  expect(crashedBatch).toBeGreaterThan(0);
  expect(atCrash && comparePositions(atCrash, head!)).toBeLessThan(0);
  // Kafka holds the two checkpointed batches and the crashed one.
  const sentBeforeRestart = dedupe(await readTopics(kafka, [topics.catalog])).unique.length;
  expect(sentBeforeRestart).toBe(one + two + crashedBatch);

  const second = createKafkaPublisher({
    brokers: kafkaTestBrokers(),
    deps: side.deps,
    topicPrefix: prefix,
    batchSize: 50,
  });
  second.start();
  expect(await second.waitFor(head!, 30_000)).toBe(true);
  await second.stop();

  const messages = await readTopics(kafka, [topics.catalog]);
  const { unique, duplicates } = dedupe(messages);
  expect(duplicates).toBe(crashedBatch); // the crashed batch, sent twice
  expect(unique).toHaveLength(500);
  for (const key of keys) {
    const prices = unique
      .filter((m) => m.key === key)
      .map((m) => (m.value as { new_price: number }).new_price);
    expect(prices).toEqual(Array.from({ length: 25 }, (_, n) => 101 + n));
  }
});
