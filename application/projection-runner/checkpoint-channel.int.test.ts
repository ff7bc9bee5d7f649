import { once } from 'node:events';
import { createRequire } from 'node:module';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTelemetry } from '../../infra/telemetry/sdk.ts';

/**
 * The checkpoint PUBLISH a runner sends after every batch is plumbing, not part of the batch's story:
 * it is sent untraced, so it adds no span (one per batch, per projection) below `projection.batch`.
 */
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  env: {},
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  instrumentations: [new IORedisInstrumentation({ requireParentSpan: true })],
});
// Vitest loads dependencies through ESM, which require-in-the-middle does not see: requiring ioredis
// here applies the instrumentation's patch (as trace-journey.int.test.ts does for kafkajs).
createRequire(import.meta.url)('ioredis');

let cleanup: (() => Promise<void>) | undefined;
afterAll(async () => {
  await cleanup?.();
  await telemetry.shutdown();
});

describe('checkpoint publisher', () => {
  let run: Awaited<ReturnType<typeof setUp>>;
  const setUp = async () => {
    const { createRedis } = await import('../../infra/redis/client.ts');
    const { redisUrl, testKeyPrefix } = await import('../../test/support/isolation.ts');
    const { shopTracer } = await import('../../infra/telemetry/trace-context.ts');
    const { checkpointChannel, createCheckpointPublisher } = await import('./checkpoint-channel.ts');
    const { pino } = await import('pino');
    const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('checkpoint_channel') });
    const subscriber = redis.duplicate();
    await subscriber.subscribe(checkpointChannel(redis));
    cleanup = async () => {
      subscriber.disconnect();
      redis.disconnect();
    };
    /** A publisher on a connection of its own (same prefix, so the same channel), which a test may close. */
    const ownPublisher = () => {
      const connection = redis.duplicate();
      return { connection, publisher: createCheckpointPublisher(connection, pino({ level: 'silent' })) };
    };
    return {
      redis,
      subscriber,
      channel: checkpointChannel(redis),
      publisher: createCheckpointPublisher(redis, pino({ level: 'silent' })),
      ownPublisher,
      inBatch: <T>(work: () => Promise<T>) =>
        shopTracer().startActiveSpan('projection.batch test', async (span) => {
          try {
            return await work();
          } finally {
            span.end();
          }
        }),
    };
  };
  beforeAll(async () => {
    run = await setUp();
  });

  it('delivers the message and adds no span to the batch, where a plain PUBLISH would', async () => {
    const message = { projection: 'cart', generation: 1, position: '7/8' };
    const received = once(run.subscriber, 'message');
    await run.inBatch(() => run.publisher.publish(message));
    const [, text] = (await received) as [string, string];
    expect(JSON.parse(text)).toEqual({ ...message, source: expect.any(String), seq: 1 });
    const names = () => exporter.getFinishedSpans().map((span) => span.name);
    expect(names()).toEqual(['projection.batch test']);

    // The control: the same PUBLISH sent directly inside a batch span gets one, so the
    // instrumentation is active in this test and the publisher's missing span is its own doing.
    exporter.reset();
    await run.inBatch(() => run.redis.publish(run.channel, JSON.stringify(message)));
    expect(names()).toEqual(['publish', 'projection.batch test']);
  });

  it('sends the messages of one turn in one write, in order, as they were when published', async () => {
    const messages = [1, 2, 3].map((n) => ({ projection: `p${n}`, generation: n, position: `${n}/${n}` }));
    const expected = structuredClone(messages);
    const texts: string[] = [];
    const onMessage = (_channel: string, text: string) => {
      // The previous test's control PUBLISH may arrive here too.
      if ((JSON.parse(text) as { projection: string }).projection.startsWith('p')) texts.push(text);
    };
    run.subscriber.on('message', onMessage);
    await run.redis.ping(); // connected, so no handshake write is counted below
    const stream = (run.redis as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
    const writes = vi.spyOn(stream, 'write');
    try {
      const published = messages.map((m) => run.publisher.publish(m));
      // A caller that reuses its object after publish does not change what was published.
      for (const m of messages) m.position = 'changed';
      await Promise.all(published);
      expect(writes).toHaveBeenCalledTimes(1);
      await vi.waitFor(() => expect(texts).toHaveLength(expected.length));
      const sent = texts.map((t) => JSON.parse(t) as { seq: number });
      expect(sent).toEqual(
        expected.map((m) => ({ ...m, source: expect.any(String), seq: expect.any(Number) })),
      );
      expect(sent.map((m) => m.seq - sent[0]!.seq)).toEqual([0, 1, 2]);
    } finally {
      writes.mockRestore();
      run.subscriber.off('message', onMessage);
    }
  });

  it('numbers its messages from 1 in the order sent; a lost one leaves its number missing', async () => {
    // Its connection is closed below to lose a message.
    const { connection: own, publisher } = run.ownPublisher();
    const heard: { position: string; source: string; seq: number }[] = [];
    const onMessage = (_channel: string, text: string) => {
      const message = JSON.parse(text) as {
        projection: string;
        position: string;
        source: string;
        seq: number;
      };
      if (message.projection === 'numbered') heard.push(message);
    };
    run.subscriber.on('message', onMessage);
    try {
      await own.ping();
      const message = (position: string) => ({ projection: 'numbered', generation: 1, position });
      await Promise.all([publisher.publish(message('1/1')), publisher.publish(message('2/2'))]);
      await vi.waitFor(() => expect(heard).toHaveLength(2));
      own.disconnect();
      await publisher.publish(message('3/3'));
      await own.connect();
      await publisher.publish(message('4/4'));
      await vi.waitFor(() => expect(heard).toHaveLength(3));
      expect(heard.map(({ position, seq }) => [position, seq])).toEqual([
        ['1/1', 1],
        ['2/2', 2],
        ['4/4', 4],
      ]);
      expect(new Set(heard.map((m) => m.source)).size).toBe(1);
      // Another publisher (another process) numbers its own messages.
      await run.publisher.publish(message('5/5'));
      await vi.waitFor(() => expect(heard).toHaveLength(4));
      expect(heard[3]!.source).not.toBe(heard[0]!.source);
    } finally {
      run.subscriber.off('message', onMessage);
      own.disconnect();
    }
  });
});
