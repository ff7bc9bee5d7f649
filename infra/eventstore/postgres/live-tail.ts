import type { EventFilter, ReadAllOptions, ReadAllPage, RecordedEvent } from '../port.ts';
import { comparePositions, type Position } from '../position.ts';
import type { Wakeups } from './wakeups.ts';

/** One read of the tail: the events after `after`, up to `next`, every type. */
type Segment = { after: Position | undefined; next: Position | undefined; events: RecordedEvent[] };

/** What a live subscription gets from the tail: like a page of its own read, plus that read's hint count. */
export type TailPage = ReadAllPage & { hintsSeen: number };

export type LiveTailDeps = {
  readAll: (options: ReadAllOptions) => Promise<ReadAllPage>;
  wakeups: Wakeups;
  pageSize: number;
  /** Most events held (older segments are dropped): a subscription further behind reads on its own. */
  maxEvents: number;
};

// Undefined is the start of the log: before every position.
const compare = (a: Position | undefined, b: Position | undefined) =>
  a === undefined ? (b === undefined ? 0 : -1) : b === undefined ? 1 : comparePositions(a, b);

const accepts = (filter: EventFilter | undefined) => {
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  return (event: RecordedEvent) =>
    (!types || types.has(event.type)) && (!prefixes || prefixes.some((p) => event.streamName.startsWith(p)));
};

/**
 * One read of the log's newest events for every live subscription of a store. Each NOTIFY wakes every
 * subscription of the process (the projections' process has nine); each used to run its own filtered read
 * of the same few events. Now the first to ask reads once, unfiltered, from where the tail ends, and every
 * subscription whose cursor lies within what the tail holds takes its own types from that read.
 *
 * Why nothing is skipped or repeated: the tail's segments are consecutive reads (each starts at the last
 * one's `next`), so together they are exactly the log from the first segment's start to the tail's end, as
 * one subscription's own unfiltered reads would have returned it. A subscription is served only when its
 * cursor lies in that range, and gets the events after its cursor. Freshness: a subscription woken by a
 * hint is served only from a read that started after that hint (`hintsSeen` at least the hint count when
 * it asked), and waits next on that read's count, as with a read of its own. A subscription behind the
 * range (still catching up, or slower than the tail keeps) reads on its own, as before; one ahead of it
 * (it read further on its own, or started at the head) moves the tail on: one read from the tail's end,
 * and if that does not reach the cursor, the tail starts over there (a new range, consecutive again). A
 * subscription stays on the tail through a burst: it hands out a page of the log at a time and reads on.
 *
 * Each subscription gets its own copies of data and metadata: layers above may change them in place (the
 * personal-data layer decrypts that way), as they may with an event freshly read for them alone.
 */
export class LiveTail {
  readonly #deps: LiveTailDeps;
  #segments: Segment[] = [];
  #held = 0;
  /** Whether the tail has begun; where it begins and ends (events after `#from` up to `#end`). */
  #started = false;
  #from: Position | undefined;
  #end: Position | undefined;
  /** The newest read: whether it reached the end of the log, and the hint count when it started. */
  #isEnd = false;
  #hintsSeen = -1;
  #reading: Promise<void> | undefined;

  constructor(deps: LiveTailDeps) {
    this.#deps = deps;
  }

  /**
   * The events after `cursor` that `filter` selects (from at most one page of the log), from a read that
   * started after the newest hint; undefined when the tail no longer holds the log right after `cursor`
   * (the caller reads on its own). A cursor ahead of the tail (its subscription read further on its own,
   * or started at the head) moves the tail on: one more read from where it ends, and if the cursor is
   * still ahead, the tail starts over at it.
   */
  async read(cursor: Position | undefined, filter: EventFilter | undefined): Promise<TailPage | undefined> {
    const need = this.#deps.wakeups.generation;
    let readOn = false;
    for (;;) {
      if (!this.#started) this.#restart(cursor);
      if (compare(cursor, this.#from) < 0) return undefined;
      const ahead = compare(cursor, this.#end) > 0;
      if (ahead && !this.#reading && readOn) this.#restart(cursor);
      const atEnd = compare(cursor, this.#end) === 0;
      const fresh = this.#hintsSeen >= need && (this.#isEnd || !atEnd);
      if (!ahead && fresh) return this.#collect(cursor, accepts(filter));
      if (!this.#reading) {
        readOn = ahead;
        this.#reading = this.#readNext().finally(() => {
          this.#reading = undefined;
        });
      }
      await this.#reading;
    }
  }

  /** Drops what the tail holds: it begins again right after `cursor`. */
  #restart(cursor: Position | undefined) {
    this.#started = true;
    this.#segments = [];
    this.#held = 0;
    this.#from = cursor;
    this.#end = cursor;
    this.#isEnd = false;
    this.#hintsSeen = -1;
  }

  async #readNext() {
    const hintsSeen = this.#deps.wakeups.generation;
    const after = this.#end;
    const page = await this.#deps.readAll({ ...(after ? { after } : {}), maxCount: this.#deps.pageSize });
    this.#hintsSeen = hintsSeen;
    this.#isEnd = page.isEnd;
    if (page.events.length === 0) return;
    this.#segments.push({ after, next: page.next, events: page.events });
    this.#held += page.events.length;
    this.#end = page.next;
    while (this.#held > this.#deps.maxEvents && this.#segments.length > 1) {
      this.#held -= this.#segments.shift()!.events.length;
      this.#from = this.#segments[0]!.after;
    }
  }

  /** At most one page of the log after `cursor` (so a subscription far back in the tail still gets pages). */
  #collect(cursor: Position | undefined, accept: (event: RecordedEvent) => boolean): TailPage {
    const events: RecordedEvent[] = [];
    let scanned = 0;
    let last = cursor;
    for (const segment of this.#segments) {
      if (compare(segment.next, cursor) <= 0) continue;
      for (const event of segment.events) {
        if (compare(event.position, cursor) <= 0) continue;
        if (scanned === this.#deps.pageSize)
          return { events, next: last, isEnd: false, hintsSeen: this.#hintsSeen };
        scanned += 1;
        last = event.position;
        if (!accept(event)) continue;
        events.push({
          ...event,
          data: structuredClone(event.data),
          metadata: structuredClone(event.metadata),
        });
      }
    }
    return { events, next: this.#end, isEnd: this.#isEnd, hintsSeen: this.#hintsSeen };
  }
}
