// `npm run kafka:tail -- <topic> [--latest] [--group <id>] [--capacity <n>] [--idle-exit-ms <n>]`
// An example analytics consumer: prints each message of <topic> as one JSON line (key, headers, value)
// and skips duplicates by the `event_id` header, as every consumer of our at-least-once topics must.
// Reads from the beginning unless --latest. Stops on Ctrl-C (or after --idle-exit-ms without messages)
// and prints to stderr how many messages it printed and how many duplicates it skipped.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createKafka, parseBrokers } from '../infra/kafka/client.ts';
import { SeenIds } from '../infra/kafka/seen-ids.ts';
import { tailTopic } from '../infra/kafka/tail.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    latest: { type: 'boolean', default: false },
    group: { type: 'string' },
    capacity: { type: 'string', default: '100000' },
    'idle-exit-ms': { type: 'string' },
  },
});
const topic = positionals[0];
if (!topic) {
  console.error(
    'usage: npm run kafka:tail -- <topic> [--latest] [--group <id>] [--capacity <n>] [--idle-exit-ms <n>]',
  );
  process.exit(2);
}

const brokers = parseBrokers(process.env.KAFKA_BROKERS || '127.0.0.1:19092');
// Logs to stderr, so stdout carries only the messages.
const logger = pino({ name: 'kafka-tail', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const kafka = createKafka({ brokers, clientId: 'kafka-tail', logger });
const seen = new SeenIds(Number.parseInt(values.capacity, 10));
const idleExitMs = values['idle-exit-ms'] ? Number.parseInt(values['idle-exit-ms'], 10) : undefined;
let printed = 0;
let lastActivity: number | undefined; // set once the group is joined

const consumer = await tailTopic({
  kafka,
  topic,
  groupId: values.group ?? `kafka-tail-${process.pid}-${Date.now()}`,
  fromBeginning: !values.latest,
  seen,
  onMessage: (message) => {
    printed += 1;
    console.log(JSON.stringify(message));
  },
  onActivity: () => {
    lastActivity = Date.now();
  },
});

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await consumer.disconnect().catch(() => {});
  console.error(`kafka-tail: ${printed} printed, ${seen.duplicates} duplicates skipped (by event_id)`);
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
if (idleExitMs !== undefined) {
  setInterval(() => {
    if (lastActivity !== undefined && Date.now() - lastActivity > idleExitMs) void stop(0);
  }, 100).unref();
}
