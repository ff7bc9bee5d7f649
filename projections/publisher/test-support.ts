import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { type TopicNames, topicKinds, topicNames } from '../../application/integration-events/index.ts';
import { plantedSecrets } from '../../application/integration-events/sample-domain-events.ts';
import { createKafka } from '../../infra/kafka/client.ts';
import { describeMessage, type TailedMessage } from '../../infra/kafka/tail.ts';
import type { Logger } from '../../infra/logger.ts';

/** A topic prefix of the test file's own, so no two files (or runs) share topics. */
export const testTopicPrefix = (label: string) => `t-${label}-${randomBytes(4).toString('hex')}-`;

export const testKafka = (brokers: string[], logger: Logger, clientId = 'publisher-test') =>
  createKafka({
    brokers,
    clientId,
    logger,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    connectionTimeout: 3_000,
  });

/**
 * Reads every message of `topics` up to the high watermarks they have now, from the beginning, with a
 * consumer group of its own. In partition order; across partitions in arrival order.
 */
export async function readTopics(
  kafka: Kafka,
  topics: string[],
  timeoutMs = 60_000,
): Promise<TailedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>(); // topic:partition → last offset to read
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const high = BigInt(p.high);
        if (high > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, high - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages: TailedMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({
    groupId: `read-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`readTopics: ${remaining.size} partitions not read to the end`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages)
              messages.push(describeMessage(batch.topic, batch.partition, message));
            const key = `${batch.topic}:${batch.partition}`;
            const last = remaining.get(key);
            if (last !== undefined && BigInt(batch.lastOffset()) >= last) remaining.delete(key);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Secrets that must never appear in any published message (value, key or header). */
const forbidden: [string, RegExp][] = [
  ['email address', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/],
  ['password hash', /\$argon2(id|i|d)\$/],
  ['JWT', /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./],
  ['payment token', /\btok_[A-Za-z0-9_]+/],
  ['planted email', new RegExp(plantedSecrets.email.replace(/\./g, '\\.'))],
];

/** Every secret found in the messages, as "<topic>@<offset>: <what>". */
export function findSecrets(messages: TailedMessage[]): string[] {
  const found: string[] = [];
  for (const m of messages) {
    const text = JSON.stringify([m.key, m.headers, m.value]);
    for (const [what, pattern] of forbidden)
      if (pattern.test(text)) found.push(`${m.topic}@${m.offset}: ${what}`);
  }
  return found;
}

/** The four topics of a prefix, for reading or deleting. */
export const allTopics = (topics: TopicNames) => topicKinds.map((k) => topics[k]);

/**
 * Test-file teardown: scans every message the file produced for secrets, then deletes its topics.
 * Returns what the scan found (the caller asserts it is empty) and how many messages it scanned.
 */
export async function scanAndDeleteTopics(kafka: Kafka, admin: Admin, prefix: string) {
  const topics = allTopics(topicNames(prefix));
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const messages = await readTopics(kafka, present);
  await admin.deleteTopics({ topics: present }).catch(() => {});
  return { scanned: messages.length, secrets: findSecrets(messages) };
}

/** Dedupe by event_id, first sighting wins; returns the survivors and the duplicate count. */
export function dedupe(messages: TailedMessage[]) {
  const seen = new Set<string>();
  const unique: TailedMessage[] = [];
  for (const m of messages) {
    const id = m.headers.event_id;
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    unique.push(m);
  }
  return { unique, duplicates: messages.length - unique.length };
}
