/**
 * A bounded least-recently-used cache of folded aggregate states and the revision each stands at,
 * so loading an aggregate reads only the events appended since, whatever the stream's length.
 * Entries are cloned on the way in and out: a decider that mutated a state could otherwise corrupt it.
 */
export type CachedState<S> = { state: S; revision: bigint };

export class StateCache {
  private readonly entries = new Map<string, CachedState<unknown>>();

  constructor(private readonly capacity = 10_000) {}

  get<S>(key: string): CachedState<S> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { state: structuredClone(entry.state) as S, revision: entry.revision };
  }

  set<S>(key: string, value: CachedState<S>): void {
    const current = this.entries.get(key);
    if (current && current.revision > value.revision) return;
    this.entries.delete(key);
    this.entries.set(key, { state: structuredClone(value.state), revision: value.revision });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
