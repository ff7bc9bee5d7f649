/**
 * CPU an idle process spends holding one connected kafkajs producer (patches/kafkajs+2.2.4.patch: the
 * request queue's 1 ms timer). Connects, sends one message, then measures process.cpuUsage() over
 * `--seconds` (default 5) of idling. `npx tsx bench/kafka/idle-cpu.ts`; KAFKA_BROKERS as for the benches.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(values.seconds);
const kafka = new Kafka({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  clientId: 'idle-cpu',
  logLevel: logLevel.NOTHING,
});
const topic = `idle-cpu-${randomUUID().slice(0, 8)}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
await producer.send({ topic, messages: [{ value: 'x' }] });
const before = process.cpuUsage();
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
const used = process.cpuUsage(before);
const cpuMs = (used.user + used.system) / 1_000;
console.log(
  `idle ${seconds} s holding a connected producer: ${cpuMs.toFixed(0)} ms of CPU, ` +
    `${((100 * cpuMs) / (performance.now() - started)).toFixed(1)} % of a core`,
);
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
