import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { SeenIds } from './seen-ids.ts';

/** A message as a consumer would print or inspect it: key and headers as text, value parsed when JSON. */
export type TailedMessage = {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: unknown;
};

export function describeMessage(topic: string, partition: number, message: KafkaMessage): TailedMessage {
  const text = message.value?.toString('utf8') ?? null;
  let value: unknown = text;
  if (text !== null) {
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: shown as the text it is
    }
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    headers: headersAsText(message.headers),
    value,
  };
}

export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    out[name] = (Array.isArray(raw) ? raw : [raw]).map((v) => v.toString()).join(',');
  }
  return out;
}

export type TailOptions = {
  kafka: Kafka;
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  /** Dedupe by the `event_id` header; messages without one are always passed on. */
  seen: SeenIds;
  onMessage: (message: TailedMessage) => void;
  /** Called when the group is joined and after each batch (duplicates included): the topic is being read. */
  onActivity?: () => void;
};

/**
 * Consumes `topic` and passes on each event once: the first sighting of its `event_id`.
 * Per-partition order is kept (kafkajs awaits eachMessage before the next one of a partition).
 */
export async function tailTopic(options: TailOptions): Promise<Consumer> {
  // A short long-poll so Ctrl-C (disconnect waits for the fetch in flight) returns within a second.
  const consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 1000 });
  if (options.onActivity) {
    consumer.on(consumer.events.GROUP_JOIN, options.onActivity);
    consumer.on(consumer.events.END_BATCH_PROCESS, options.onActivity);
  }
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const described = describeMessage(topic, partition, message);
      const eventId = described.headers.event_id;
      if (eventId !== undefined && !options.seen.firstSighting(eventId)) return;
      options.onMessage(described);
    },
  });
  return consumer;
}
