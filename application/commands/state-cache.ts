import { LRUCache } from 'lru-cache';
import { deepFreeze } from '../../domain/shared/deep-freeze.ts';

/**
 * A bounded least-recently-used cache of folded aggregate states and the revision each stands at,
 * so loading an aggregate reads only the events appended since, whatever the stream's length.
 * A state is frozen, deeply, when it is cached, and handed out as it is: a decider, an evolve or a caller
 * that mutated a cached state would otherwise corrupt it for the next command, and now throws instead
 * (modules are strict). States are plain data (the domain's types hold no Map, Set or Date).
 */
export type CachedState<S> = { state: S; revision: bigint };

export class StateCache {
  private readonly entries: LRUCache<string, CachedState<unknown>>;

  constructor(capacity = 10_000) {
    this.entries = new LRUCache({ max: capacity });
  }

  get<S>(key: string): CachedState<S> | undefined {
    return this.entries.get(key) as CachedState<S> | undefined;
  }

  set<S>(key: string, value: CachedState<S>): void {
    const current = this.entries.peek(key);
    if (current && current.revision > value.revision) return;
    this.entries.set(key, { state: deepFreeze(value.state), revision: value.revision });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
