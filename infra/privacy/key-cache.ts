import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Key } from './master-key.ts';

/** A person's data key, or the mark that it was destroyed (the person is erased). */
export type SubjectKey = Key | 'erased';

/**
 * Unwrapped data keys by subject, least recently used evicted first. Erasure is final: once a subject
 * is marked erased, a key read before the destruction committed (a concurrent load of the same
 * person's stream) cannot put the live key back. An evicted erased mark costs nothing: the key store
 * row says NULL, which reads as erased again.
 */
export class KeyCache {
  readonly #entries: LRUCache<string, SubjectKey>;
  constructor(capacity: number) {
    this.#entries = new LRUCache({ max: capacity });
  }

  get(subject: string): SubjectKey | undefined {
    return this.#entries.get(subject);
  }

  set(subject: string, key: SubjectKey) {
    if (key !== 'erased' && this.#entries.peek(subject) === 'erased') return;
    this.#entries.set(subject, key);
  }

  get size() {
    return this.#entries.size;
  }
}

/**
 * A function to await before using a cached key: at most once per `intervalMs` (one query, shared by
 * concurrent callers) it marks erased every subject whose key was destroyed since the last sweep, by
 * any process. The window looks back a minute before the last sweep's database time, because an
 * erasure is stamped when its statement starts and may commit a little later.
 */
export function erasureSweep(pool: pg.Pool, cache: KeyCache, intervalMs: number) {
  let since: Date | undefined;
  let last = Date.now();
  let running: Promise<void> | undefined;
  const run = async () => {
    const { rows } = await pool.query<{ now: Date; erased: string[] }>(
      `SELECT now() AS now, ARRAY(SELECT subject_id FROM personal_data_keys
         WHERE erased_at > coalesce($1::timestamptz, now()) - interval '1 minute') AS erased`,
      [since ?? null],
    );
    for (const subject of rows[0]!.erased) cache.set(subject, 'erased');
    since = rows[0]!.now;
    last = Date.now();
  };
  return async () => {
    if (Date.now() - last < intervalMs) return;
    running ??= run().finally(() => {
      running = undefined;
    });
    await running;
  };
}
