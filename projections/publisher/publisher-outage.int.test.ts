import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topicNames } from '../../application/integration-events/index.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import {
  type BrokerLayout,
  type BrokerPorts,
  brokerAddress,
  brokerLayout,
} from '../../infra/kafka/broker-files.ts';
import { ensureBroker, stopBroker } from '../../infra/kafka/broker-process.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { createKafkaPublisher, type KafkaPublisher } from './publisher.ts';
import { dedupe, findSecrets, readTopics, testKafka, testTopicPrefix } from './test-support.ts';

// The broker goes away for 20 s while events keep being appended; once it is back, everything arrives,
// in order per key. A private broker (own data dir and ports) so the shared test broker is never touched.
const outageMs = 20_000;
let side: ReadSideForTest;
let layout: BrokerLayout;
let ports: BrokerPorts;
let kafka: Kafka;
let publisher: KafkaPublisher | undefined;
const prefix = testTopicPrefix('outage');
const topics = topicNames(prefix);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  side = await createReadSideForTest('kafka_outage');
  const brokerDir = await mkdtemp(join(tmpdir(), 'kafka-outage-'));
  layout = {
    ...brokerLayout(),
    brokerDir,
    dataDir: join(brokerDir, 'data'),
    logsDir: join(brokerDir, 'logs'),
    pidFile: join(brokerDir, 'broker.pid'),
    lockDir: join(brokerDir, 'start.lock'),
    serverProperties: join(brokerDir, 'server.properties'),
  };
  ports = { brokerPort: await freePort(), controllerPort: await freePort() };
  await ensureBroker({ logger: side.logger, layout, ports });
  kafka = testKafka([brokerAddress(ports)], side.logger);
});

afterAll(async () => {
  await publisher?.stop();
  await stopBroker({ logger: side.logger, layout, graceMs: 10_000 });
  await rm(layout.brokerDir, { recursive: true, force: true });
  await side.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('delivers everything appended during a 20 s broker outage once it is back, in order per key', async () => {
  publisher = createKafkaPublisher({
    brokers: [brokerAddress(ports)],
    deps: side.deps,
    topicPrefix: prefix,
    backoff: { baseMs: 100, maxMs: 1_000 },
  });
  publisher.start();
  await publisher.started;

  // "Commands keep coming": one event every 25 ms, round robin over 10 aggregates.
  const run = randomBytes(3).toString('hex');
  const keys = Array.from({ length: 10 }, (_, i) => `usr_${run}_${i}`);
  const counts = new Map(keys.map((k) => [k, 0]));
  let head: Position | undefined;
  let appending = true;
  const appender = (async () => {
    for (let n = 0; appending; n += 1) {
      const user = keys[n % keys.length]!;
      const quantity = (counts.get(user) ?? 0) + 1;
      counts.set(user, quantity);
      const result = await side.store.appendToStream(
        `cart-${user}`,
        [
          {
            id: randomUUID(),
            type: 'ItemAddedToCart',
            data: {
              schema_version: 1,
              cart_id: `cart_${user.slice(4)}`,
              user_id: user,
              cart_item_id: `item_${run}`,
              product_id: `prd_${run}`,
              product_name: 'Lamp',
              image: null,
              unit_price: 1500,
              currency: 'USD',
              quantity: 1,
              line_quantity: ((quantity - 1) % 99) + 1,
              added_at: new Date().toISOString(),
            },
            metadata: { correlation_id: `seq-${quantity}` },
          },
        ],
        { expectedRevision: 'any' },
      );
      head = result.position;
      await sleep(25);
    }
  })();

  await sleep(2_000);
  expect(await publisher.waitFor(head!, 10_000)).toBe(true);
  expect(publisher.ready().ok).toBe(true);

  await stopBroker({ logger: side.logger, layout, graceMs: 10_000 });
  const down = Date.now();
  await sleep(3_000);
  const during = publisher.ready();
  expect(during.ok).toBe(false);
  expect(during.status.kafka.broker).toBe('unavailable');
  await sleep(outageMs - (Date.now() - down) - 500);
  expect(publisher.status().lagMs).toBeGreaterThan(outageMs - 5_000);
  await ensureBroker({ logger: side.logger, layout, ports });

  await sleep(1_000);
  appending = false;
  await appender;
  expect(await publisher.waitFor(head!, 30_000)).toBe(true);
  expect(publisher.ready().ok).toBe(true);

  const messages = await readTopics(kafka, [topics.user]);
  expect(findSecrets(messages)).toEqual([]);
  const { unique } = dedupe(messages);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThan(500);
  expect(unique).toHaveLength(total);
  for (const key of keys) {
    const sequence = unique
      .filter((m) => m.key === key)
      .map((m) => Number(m.headers.correlation_id!.slice(4)));
    expect(sequence).toEqual(Array.from({ length: counts.get(key)! }, (_, i) => i + 1));
  }
}, 90_000);
