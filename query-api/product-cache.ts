/**
 * Product detail responses, cached in process and invalidated by the projections (their checkpoint
 * messages name the product ids a commit touched), not by a TTL. A load that raced with an invalidation
 * is not stored: each key has a version bumped on invalidation, checked before the result is kept.
 */
export type ProductCache<T> = {
  get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  invalidate(keys: readonly string[]): void;
  size(): number;
};

export function createProductCache<T>(options: { max?: number } = {}): ProductCache<T> {
  const max = options.max ?? 10_000;
  const entries = new Map<string, T>();
  const versions = new Map<string, number>();
  let epoch = 0;
  return {
    async get(key, load) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        // Refresh recency: Map iteration order is insertion order, so this keeps it LRU.
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const version = versions.get(key) ?? 0;
      const startedEpoch = epoch;
      const value = await load();
      if (value !== undefined && epoch === startedEpoch && (versions.get(key) ?? 0) === version) {
        entries.set(key, value);
        if (entries.size > max) entries.delete(entries.keys().next().value as string);
      }
      return value;
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
