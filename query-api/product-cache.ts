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
  // Boxed: a cached value may itself be null (a cart the read model does not hold); least recently used
  // entries are dropped first.
  const entries = new LRUCache<string, { value: T }>({ max });
  const versions = new Map<string, number>();
  let epoch = 0;
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
      entries.set(key, { value });
    });
    return result;
  };
  return {
    async get(key, load) {
      const found = entries.get(key);
      return found ? found.value : loadAndKeep([key], load, (value) => value);
    },
    async getMany(keys, load) {
      const found = new Map<string, T>();
      const missing: string[] = [];
      for (const key of keys) {
        const entry = entries.get(key);
        if (entry) found.set(key, entry.value);
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
        entries.clear();
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
    size: () => entries.size,
  };
}
