import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import { comparePositions, type Position, parsePosition } from '../../infra/eventstore/position.ts';
import type { Logger } from '../../infra/logger.ts';
import { reconnectWhenSilent } from '../../infra/redis/liveness.ts';
import {
  type CheckpointMessage,
  checkpointChannel,
  type SentCheckpointMessage,
} from './checkpoint-channel.ts';
import type { ProjectionStatus, RunnerDb } from './types.ts';

export type ReadModelState = {
  generation: number;
  position: Position | undefined;
  /** The runner's last heartbeat (absent when no runner has spoken since this process started). */
  status?: ProjectionStatus;
  heardAt?: number;
};

/**
 * A process's picture of every projection (the query API's consistency waits and caches; the command
 * API's serving generation of the pricing read model): which generation serves and how far it has got. Filled from
 * PostgreSQL once at start, then kept current by the runners' pub/sub messages, with a slow background
 * refresh in case a message was lost. A request's consistency wait looks only at this map.
 */
export type CheckpointWatcher = {
  start(): Promise<void>;
  stop(): Promise<void>;
  state(name: string): ReadModelState | undefined;
  names(): string[];
  /** True once every named read model's checkpoint is at or past `position`; false on timeout. */
  waitFor(names: readonly string[], position: Position, timeoutMs: number): Promise<boolean>;
  /** Called with cache keys the projection made stale (`*` = everything), before the position moves. */
  onInvalidate(listener: (projection: string, keys: readonly string[]) => void): void;
};

export function createCheckpointWatcher(deps: {
  db: RunnerDb;
  /** A connection this watcher may put into subscriber mode (e.g. `redis.duplicate()`); closed on stop. */
  subscriber: Redis;
  logger: Logger;
  refreshMs?: number;
}): CheckpointWatcher {
  const states = new Map<string, ReadModelState>();
  const waiters = new Set<() => void>();
  const listeners: ((projection: string, keys: readonly string[]) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopLiveness: (() => void) | undefined;
  /**
   * The last sequence number heard from each publisher. A number missing means a message was lost (its
   * publish failed, or this subscriber's connection dropped), and its invalidations with it: the next
   * message drops every cache before its position can satisfy a wait. A publisher first heard with a
   * number past 1 may have lost messages sent since this watcher subscribed, so it counts as a gap too.
   */
  const lastSeq = new LRUCache<string, number>({ max: 1_024 });
  const lostBefore = ({ source, seq }: SentCheckpointMessage) => {
    if (typeof source !== 'string' || !Number.isSafeInteger(seq)) return false; // an older publisher
    const last = lastSeq.get(source);
    lastSeq.set(source, seq!);
    return seq !== (last ?? 0) + 1;
  };

  const wake = () => {
    for (const w of waiters) w();
  };

  /** Newer generation wins; within a generation the further position wins (messages may arrive out of order). */
  const merge = (
    name: string,
    generation: number,
    position: Position | undefined,
    status?: ProjectionStatus,
  ) => {
    const current = states.get(name);
    if (current && current.generation > generation) return false;
    const swapped = !current || current.generation < generation;
    const further =
      swapped ||
      (position !== undefined &&
        (current.position === undefined || comparePositions(position, current.position) > 0));
    states.set(name, {
      generation,
      position: further ? position : current.position,
      ...(status
        ? { status, heardAt: Date.now() }
        : current?.status
          ? { status: current.status, heardAt: current.heardAt }
          : {}),
    });
    if (swapped && current) for (const l of listeners) l(name, ['*']);
    return true;
  };

  const refresh = async () => {
    const rows = await sql<{ projection: string; serving: number; position: string | null }>`
      SELECT g.projection, g.serving, c.position FROM projection_generations g
      LEFT JOIN projection_checkpoints c ON c.projection = g.projection AND c.generation = g.serving`.execute(
      deps.db,
    );
    for (const row of rows.rows) {
      const before = states.get(row.projection);
      const position = row.position ? parsePosition(row.position) : undefined;
      merge(row.projection, row.serving, position);
      const after = states.get(row.projection);
      // The position moved without a message: its invalidations may be lost, so drop the whole cache.
      if (before && after && before.generation === after.generation && after.position !== before.position)
        for (const l of listeners) l(row.projection, ['*']);
    }
    wake();
  };

  /** True when this deployment's own database says `generation` serves `projection`. */
  const listed = async (projection: string, generation: number) => {
    const { rows } = await sql<{ serving: number }>`
      SELECT serving FROM projection_generations WHERE projection = ${projection}`.execute(deps.db);
    return rows[0] !== undefined && Number(rows[0].serving) === generation;
  };

  const onMessage = (channel: string, text: string) => {
    if (channel !== checkpointChannel(deps.subscriber)) return;
    let message: SentCheckpointMessage;
    try {
      message = JSON.parse(text) as SentCheckpointMessage;
    } catch {
      return;
    }
    if (typeof message?.projection !== 'string' || !Number.isSafeInteger(message.generation)) return;
    if (lostBefore(message)) for (const name of states.keys()) for (const l of listeners) l(name, ['*']);
    const current = states.get(message.projection);
    if (current && current.generation > message.generation) return;
    if (current && current.generation === message.generation) return apply(message);
    // A generation this process has not seen: switch only if our own database lists it as serving. A
    // message from elsewhere (another deployment sharing the channel by mistake) is dropped.
    listed(message.projection, message.generation).then(
      (ok) => {
        if (ok) apply(message);
        else
          deps.logger.warn(
            { projection: message.projection },
            'checkpoint message for an unlisted generation ignored',
          );
      },
      (error: unknown) => deps.logger.warn({ err: error }, 'checkpoint generation check failed'),
    );
  };

  const apply = (message: CheckpointMessage) => {
    const current = states.get(message.projection);
    if (current && current.generation > message.generation) return;
    // Invalidate first: once a waiter sees the position, the cache no longer holds what it replaced.
    if (message.invalidate?.length) for (const l of listeners) l(message.projection, message.invalidate);
    merge(
      message.projection,
      message.generation,
      message.position ? parsePosition(message.position) : undefined,
      message.status,
    );
    wake();
  };

  return {
    async start() {
      deps.subscriber.on('message', onMessage);
      // A duplicate inherits createRedis's options (its commandTimeout), not its PINGs: without them a
      // half-open subscriber would hear nothing for hours.
      stopLiveness = reconnectWhenSilent(deps.subscriber, {
        everyMs: deps.refreshMs ?? 2_000,
        logger: deps.logger,
      });
      await deps.subscriber.subscribe(checkpointChannel(deps.subscriber));
      await refresh();
      timer = setInterval(() => {
        refresh().catch((error) => deps.logger.warn({ err: error }, 'checkpoint refresh failed'));
      }, deps.refreshMs ?? 2_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      deps.subscriber.off('message', onMessage);
      stopLiveness?.();
      deps.subscriber.disconnect();
      for (const w of waiters) w();
    },
    state: (name) => states.get(name),
    names: () => [...states.keys()],
    waitFor(names, position, timeoutMs) {
      const reached = () =>
        names.every((name) => {
          const at = states.get(name)?.position;
          return at !== undefined && comparePositions(at, position) >= 0;
        });
      if (reached()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const check = () => {
          if (!reached()) return;
          clearTimeout(timeout);
          waiters.delete(check);
          resolve(true);
        };
        const timeout = setTimeout(() => {
          waiters.delete(check);
          resolve(reached());
        }, timeoutMs);
        waiters.add(check);
      });
    },
    onInvalidate(listener) {
      listeners.push(listener);
    },
  };
}
