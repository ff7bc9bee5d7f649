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

/** `invalidates`: it names stale keys (lost, they are owed); `settles`: it went out as `*` for a debt. */
type Outgoing = { projection: string; text: string; invalidates: boolean; settles?: boolean };

/**
 * Pub/sub is fire-and-forget: a lost message only delays a waiter until the watcher's periodic refresh,
 * but a lost invalidation would leave readers' caches stale, and a later message would then satisfy a
 * consistency wait over them. So a projection whose invalidating message failed owes everything: its next
 * message sent after the failure is known (a batch's or the heartbeat's) invalidates `*`. A message already
 * on its way when an earlier one fails still carries its own keys, so for up to a heartbeat a wait can be
 * satisfied over the failed message's keys. A debt dies with its process: a runner's new tenure therefore
 * starts with `*` (runner.ts).
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
  let pending: { messages: Outgoing[]; sent: Promise<void> } | undefined;
  /** Projections whose readers missed an invalidation published here: their next message says `*`. */
  const owed = new Set<string>();
  // In pipeline order, so a debt a later failure makes outlives an earlier message's settling.
  const settle = (message: Outgoing, failed: boolean) => {
    if (failed && message.invalidates) owed.add(message.projection);
    else if (!failed && message.settles) owed.delete(message.projection);
  };
  /** Decided as the batch leaves, so that every failure known by then is paid. */
  const payDebts = (messages: Outgoing[]) => {
    for (const message of messages) {
      if (!owed.has(message.projection)) continue;
      message.text = JSON.stringify({ ...JSON.parse(message.text), invalidate: ['*'] });
      message.invalidates = true;
      message.settles = true;
    }
  };
  const send = async (messages: readonly Outgoing[]) => {
    try {
      const replies = await untraced(() => {
        const pipeline = redis.pipeline();
        for (const message of messages) pipeline.publish(channel, message.text);
        return pipeline.exec();
      });
      messages.forEach((message, i) => {
        const error = replies?.[i]?.[0] ?? (replies ? null : new Error('no reply'));
        settle(message, Boolean(error));
        if (error) logger.warn({ err: error, projection: message.projection }, 'checkpoint publish failed');
      });
    } catch (error) {
      for (const message of messages) settle(message, true);
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
            payDebts(messages);
            // send logs its own failures; callers are never left waiting.
            send(messages).then(resolve, resolve);
          }),
        );
        pending = { messages, sent };
      }
      pending.messages.push({
        projection: message.projection,
        text: JSON.stringify(message),
        invalidates: (message.invalidate?.length ?? 0) > 0,
      });
      return pending.sent;
    },
  };
}
