import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';
import { untraced } from '../../infra/telemetry/index.ts';
import type { ProjectionStatus } from './types.ts';

/**
 * What runners publish after every committed checkpoint (and as a heartbeat): the query API keeps the
 * newest per projection in memory, so read-your-writes waits cost no PostgreSQL query per request.
 */
export type CheckpointMessage = {
  projection: string;
  generation: number;
  /** Position string, null before the first event. */
  position: string | null;
  /** Cache keys (product ids) the committed writes made stale; applied before the position is. */
  invalidate?: string[];
  status?: ProjectionStatus;
};

/** ioredis does not prefix channel names, so the client's keyPrefix is added here to keep tests apart. */
export const checkpointChannel = (redis: Redis) => `${redis.options.keyPrefix ?? ''}projections:checkpoints`;

export type CheckpointPublisher = { publish(message: CheckpointMessage): Promise<void> };

/**
 * As sent: `source` names the publisher (one per process, new at each start) and `seq` numbers its
 * messages from 1 in the order they are sent, so a watcher that finds a number missing knows it lost a
 * message, whatever lost it (checkpoint-watcher.ts). Absent in messages from publishers older than this.
 */
export type SentCheckpointMessage = CheckpointMessage & { source?: string; seq?: number };

/** A message as it leaves: its text, and its projection for the log should it fail. */
type Outgoing = { projection: string; text: string };

/**
 * Pub/sub is fire-and-forget: a lost message only delays a waiter until the watcher's periodic refresh,
 * but a lost invalidation would leave readers' caches stale, and a later message would then satisfy a
 * consistency wait over them. The sequence numbers let every reader notice the loss on the next message
 * it hears from this publisher (a batch's, or a heartbeat's within a second) and drop its caches first.
 * Messages published in one turn of the event loop (the runners of one process often commit together)
 * leave in one pipeline, so one socket write, in the order they were published, each as it was when
 * published: the PUBLISH after every batch was about 8 % of the projections' process's time at 500
 * events/s, most of it the write (docs/performance.md). `publish` resolves once its pipeline was
 * answered.
 * Sent untraced: plumbing after every batch of every projection, whose span under `projection.batch`
 * told nothing the batch span does not, and cost the projections' lag; a failure is logged.
 */
export function createCheckpointPublisher(redis: Redis, logger: Logger): CheckpointPublisher {
  const channel = checkpointChannel(redis);
  const source = randomUUID();
  let seq = 0;
  let pending: { messages: Outgoing[]; sent: Promise<void> } | undefined;
  const send = async (messages: readonly Outgoing[]) => {
    try {
      const replies = await untraced(() => {
        const pipeline = redis.pipeline();
        for (const { text } of messages) pipeline.publish(channel, text);
        return pipeline.exec();
      });
      messages.forEach(({ projection }, i) => {
        const error = replies?.[i]?.[0] ?? (replies ? null : new Error('no reply'));
        if (error) logger.warn({ err: error, projection }, 'checkpoint publish failed');
      });
    } catch (error) {
      logger.warn(
        { err: error, projections: messages.map((m) => m.projection) },
        'checkpoint publish failed',
      );
    }
  };
  return {
    publish(message) {
      if (!pending) {
        const messages: Outgoing[] = [];
        const sent = new Promise<void>((resolve) =>
          setImmediate(() => {
            pending = undefined;
            // send logs its own failures; callers are never left waiting.
            send(messages).then(resolve, resolve);
          }),
        );
        pending = { messages, sent };
      }
      seq += 1;
      pending.messages.push({
        projection: message.projection,
        text: JSON.stringify({ ...message, source, seq } satisfies SentCheckpointMessage),
      });
      return pending.sent;
    },
  };
}
