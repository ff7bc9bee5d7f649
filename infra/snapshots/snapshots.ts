import type { Logger } from '../logger.ts';
import { defaultSnapshotPolicies, type SnapshotPolicy } from './policies.ts';
import type { Snapshot, SnapshotStore } from './snapshot-store.ts';

export const DEFAULT_SNAPSHOT_EVERY = 500;

export type SnapshotsOptions = {
  store: SnapshotStore;
  /** Defaults to defaultSnapshotPolicies(). */
  policies?: readonly SnapshotPolicy[];
  /** A snapshot is written each time a stream passes a multiple of this many events, and after a load
   * that folded at least this many events from the store. */
  every?: number;
  logger?: Logger;
};

/**
 * The command handler's view of snapshots: an optimisation only. A read that fails, finds another build's
 * snapshot or a damaged one yields nothing (the handler folds the whole stream); writes run beside the
 * command, never fail it, and at most one per stream is in flight.
 */
export type Snapshots = {
  read<S>(decider: object, stream: string): Promise<Snapshot<S> | undefined>;
  /** Offers the state a load or an append reached; written when the policy says it is due. */
  offer<S>(
    decider: object,
    stream: string,
    reached: Snapshot<S>,
    due: { previousRevision: bigint | undefined; foldedFromStore: number },
  ): void;
  /** Drops a snapshot found not to belong to its stream (its event is not at its revision). */
  discard(stream: string): void;
  /** Waits for the writes in flight (tests, benches, shutdown). */
  flush(): Promise<void>;
};

export function createSnapshots(options: SnapshotsOptions): Snapshots {
  const { store, logger } = options;
  const every = BigInt(Math.max(1, options.every ?? DEFAULT_SNAPSHOT_EVERY));
  const policies = new Map<object, SnapshotPolicy>(
    (options.policies ?? defaultSnapshotPolicies()).map((policy) => [policy.decider, policy]),
  );
  const inFlight = new Map<string, Promise<void>>();
  const track = (stream: string, work: () => Promise<void>) => {
    if (inFlight.has(stream)) return;
    const running = work()
      .catch((error: unknown) => logger?.warn({ err: error, stream }, 'snapshot write failed'))
      .finally(() => inFlight.delete(stream));
    inFlight.set(stream, running);
  };
  const count = (revision: bigint | undefined) => (revision === undefined ? 0n : revision + 1n);

  return {
    async read<S>(decider: object, stream: string) {
      const policy = policies.get(decider);
      if (!policy) return undefined;
      try {
        return await store.read<S>(stream, policy.fingerprint);
      } catch (error) {
        logger?.warn({ err: error, stream }, 'snapshot unreadable, folding the whole stream');
        return undefined;
      }
    },

    offer(decider, stream, reached, due) {
      const policy = policies.get(decider);
      if (!policy) return;
      const crossed = count(due.previousRevision) / every < count(reached.revision) / every;
      if (!crossed && BigInt(due.foldedFromStore) < every) return;
      // Serialised now: the caller may go on to evolve from this very state.
      const snapshot = { ...reached, state: structuredClone(reached.state) };
      track(stream, () => store.write(stream, policy.aggregate, policy.fingerprint, snapshot));
    },

    discard(stream) {
      logger?.warn({ stream }, 'snapshot does not match its stream, discarded');
      track(stream, () => store.delete(stream));
    },

    async flush() {
      while (inFlight.size > 0) await Promise.all(inFlight.values());
    },
  };
}
