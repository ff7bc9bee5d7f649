import { LRUCache } from 'lru-cache';

/**
 * Read-model facts (product details, the facts a cart is priced from, cart documents), cached in process
 * and invalidated by the projections (their checkpoint messages name the keys a commit touched), not by a
 * TTL. A load that raced with an invalidation is not stored: each key has a version bumped on
 * invalidation, checked before the result is kept.
 */
export type ProductCache<T> = {
  get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Many keys at once: the misses loaded together by one `load` (one query or one pipeline). */
  getMany(
    keys: readonly string[],
    load: (missing: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>>;
  invalidate(keys: readonly string[]): void;
  size(): number;
};

export function createProductCache<T>(options: { max?: number } = {}): ProductCache<T> {
  const max = options.max ?? 10_000;
  // Least recently used entries are dropped first. Each value is boxed with the epoch it was loaded in:
  // `*` moves the epoch on, and a box from an earlier one is a miss. (lru-cache's clear() walks and refills
  // the whole cache: milliseconds at 50,000 entries, on the event loop, for every `*`.)
  const entries = new LRUCache<string, { value: T; epoch: number }>({ max });
  const versions = new Map<string, number>();
  let epoch = 0;
  const current = (key: string) => {
    const box = entries.get(key);
    return box && box.epoch === epoch ? box : undefined;
  };
  /** Loads `keys`, keeping each result only if no invalidation of it arrived while it loaded. */
  const loadAndKeep = async <R>(
    keys: readonly string[],
    load: () => Promise<R>,
    pick: (r: R, key: string) => T | undefined,
  ) => {
    const started = keys.map((key) => versions.get(key) ?? 0);
    const startedEpoch = epoch;
    const result = await load();
    keys.forEach((key, i) => {
      const value = pick(result, key);
      if (value === undefined || epoch !== startedEpoch || (versions.get(key) ?? 0) !== started[i]) return;
      entries.set(key, { value, epoch });
    });
    return result;
  };
  return {
    async get(key, load) {
      // A cached null is not trusted here (a cart the read model does not hold yet is read again): if the
      // message naming its first write were lost, a new cart would otherwise show as empty until its next.
      return current(key)?.value ?? loadAndKeep([key], load, (value) => value);
    },
    async getMany(keys, load) {
      const found = new Map<string, T>();
      const missing: string[] = [];
      for (const key of keys) {
        const box = current(key);
        if (box) found.set(key, box.value);
        else missing.push(key);
      }
      if (missing.length === 0) return found;
      const loaded = await loadAndKeep(
        missing,
        () => load(missing),
        (map, key) => map.get(key),
      );
      for (const [key, value] of loaded) found.set(key, value);
      return found;
    },
    invalidate(keys) {
      if (keys.includes('*')) {
        versions.clear();
        epoch += 1;
        return;
      }
      for (const key of keys) {
        entries.delete(key);
        versions.set(key, (versions.get(key) ?? 0) + 1);
      }
      // Versions only matter while a load is in flight; bound the map.
      if (versions.size > max * 4) {
        versions.clear();
        epoch += 1;
      }
    },
    size: () => [...entries.values()].filter((box) => box.epoch === epoch).length,
  };
}
