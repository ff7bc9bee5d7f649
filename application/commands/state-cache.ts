import { LRUCache } from 'lru-cache';

/**
 * A bounded least-recently-used cache of folded aggregate states and the revision each stands at,
 * so loading an aggregate reads only the events appended since, whatever the stream's length.
 * Entries are cloned on the way in and out: a decider that mutated a state could otherwise corrupt it.
 */
export type CachedState<S> = { state: S; revision: bigint };

export class StateCache {
  private readonly entries: LRUCache<string, CachedState<unknown>>;

  constructor(capacity = 10_000) {
    this.entries = new LRUCache({ max: capacity });
  }

  get<S>(key: string): CachedState<S> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return { state: structuredClone(entry.state) as S, revision: entry.revision };
  }

  set<S>(key: string, value: CachedState<S>): void {
    const current = this.entries.peek(key);
    if (current && current.revision > value.revision) return;
    this.entries.set(key, { state: structuredClone(value.state), revision: value.revision });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
