import { LRUCache } from 'lru-cache';

/**
 * A bounded set of recently seen ids for consumer-side dedupe: at-least-once delivery means an
 * event can arrive twice (a publisher restart between send and checkpoint), and `event_id` names it.
 * Least recently seen ids are forgotten first, so memory stays flat on an endless topic; a duplicate
 * older than `capacity` distinct ids would slip through, which is why the capacity is generous.
 */
export class SeenIds {
  readonly #ids: LRUCache<string, true>;
  #duplicates = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be >= 1: ${capacity}`);
    this.#ids = new LRUCache({ max: capacity });
  }

  /** Records `id`; true when it is new, false (and counted) when it was already seen. */
  firstSighting(id: string): boolean {
    // A duplicate refreshes its place (get does): it is evidence the id is still live.
    if (this.#ids.get(id)) {
      this.#duplicates += 1;
      return false;
    }
    this.#ids.set(id, true);
    return true;
  }

  get size(): number {
    return this.#ids.size;
  }

  get duplicates(): number {
    return this.#duplicates;
  }
}
