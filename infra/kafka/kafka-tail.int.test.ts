import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createIdempotentProducer, createKafka, ensureTopics } from './client.ts';
import { kafkaTestBrokers } from './test-brokers.ts';

// `npm run kafka:tail` end to end: the example consumer prints each event once, deduped by event_id.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const topic = `test-tail-${randomUUID().slice(0, 8)}`;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = createKafka({
    brokers: kafkaTestBrokers(),
    clientId: 'kafka-tail-test',
    logger: createLogger({ level: 'warn' }),
  });
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

it('prints every event once, skipping redelivered event ids, and counts what it skipped', async () => {
  const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
  const event = (key: string, id: string | undefined, n: number) => ({
    key,
    value: JSON.stringify({ n }),
    headers: id === undefined ? { event_type: 'Untagged' } : { event_id: id, event_type: 'Tested' },
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  // A redelivery (same event_id, as after a publisher restart) and a message with no event_id.
  await producer.send({
    topic,
    acks: -1,
    messages: [
      event('a', first, 1),
      event('a', second, 2),
      event('a', first, 1),
      event('b', third, 3),
      event('b', undefined, 4),
    ],
  });
  await producer.disconnect();

  const { stdout, stderr } = await run(
    `${root}node_modules/.bin/tsx`,
    ['bin/kafka-tail.ts', topic, '--idle-exit-ms', '2500'],
    { cwd: root, env: { ...process.env, KAFKA_BROKERS: kafkaTestBrokers().join(',') }, timeout: 45_000 },
  );
  const lines = stdout
    .trim()
    .split('\n')
    .map(
      (line) => JSON.parse(line) as { key: string; headers: Record<string, string>; value: { n: number } },
    );
  const byKey = (key: string) =>
    lines.filter((l) => l.key === key).map((l) => [l.headers.event_id, l.value.n]);
  expect(byKey('a')).toEqual([
    [first, 1],
    [second, 2],
  ]);
  expect(byKey('b')).toEqual([
    [third, 3],
    [undefined, 4],
  ]);
  expect(lines.find((l) => l.value.n === 4)?.headers).toEqual({ event_type: 'Untagged' });
  expect(stderr).toContain('kafka-tail: 4 printed, 1 duplicates skipped');
});
