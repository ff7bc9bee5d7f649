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
 * Pub/sub is fire-and-forget: a lost message only delays a waiter until the watcher's periodic refresh.
 * Sent untraced: plumbing after every batch of every projection, whose span under `projection.batch`
 * told nothing the batch span does not, and cost the projections' lag (docs/performance.md); a failure
 * is logged.
 */
export function createCheckpointPublisher(redis: Redis, logger: Logger): CheckpointPublisher {
  const channel = checkpointChannel(redis);
  return {
    async publish(message) {
      try {
        await untraced(() => redis.publish(channel, JSON.stringify(message)));
      } catch (error) {
        logger.warn({ err: error, projection: message.projection }, 'checkpoint publish failed');
      }
    },
  };
}
