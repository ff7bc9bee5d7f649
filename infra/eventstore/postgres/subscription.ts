import type { Logger } from '../../logger.ts';
import type { ReadAllOptions, ReadAllPage, SubscribeOptions, SubscriptionItem } from '../port.ts';
import { comparePositions, type Position } from '../position.ts';
import type { LiveTail, TailPage } from './live-tail.ts';
import type { Wakeups } from './wakeups.ts';

export type SubscriptionDeps = {
  readAll: (options: ReadAllOptions) => Promise<ReadAllPage>;
  wakeups: Wakeups;
  pageSize: number;
  pollIntervalMs: number;
  /** Where live subscriptions take their pages from one shared read (see live-tail.ts). */
  tail?: LiveTail;
  /** Aborted when the store closes. */
  closed: AbortSignal;
  logger?: Logger;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Catch-up then live over the global log. Pull-based: while the consumer works through one page, at most
 * the next one is being read (so the database and the consumer overlap during catch-up); nothing more is
 * read ahead. Resumes after the last position it yielded, so it cannot skip or repeat; a failed read
 * (dropped connection, restart) is retried with backoff rather than ending the subscription.
 */
export async function* subscribe(
  deps: SubscriptionDeps,
  options: SubscribeOptions = {},
): AsyncGenerator<SubscriptionItem> {
  const signal = options.signal ? AbortSignal.any([options.signal, deps.closed]) : deps.closed;
  // A hint that arrives after a read started may announce events that read did not see: remember the
  // hint count at the start of each read and wait only if nothing came since.
  type Read = { page: Promise<ReadAllPage>; hintsSeen: number };
  const startRead = (after: Position | undefined): Read => {
    const hintsSeen = deps.wakeups.generation;
    const page = deps.readAll({
      ...(after ? { after } : {}),
      maxCount: deps.pageSize,
      ...(options.filter ? { filter: options.filter } : {}),
    });
    page.catch(() => {}); // awaited below; a read abandoned by a stopping consumer must not crash the process
    return { page, hintsSeen };
  };
  let cursor: Position | undefined = options.after;
  let reportedAt: Position | undefined | null = null; // null: no caught-up reported yet
  let failures = 0;
  let prefetched: Read | undefined;
  /** The last page reached the end of the log, or came from the tail: the next one comes from the store's
   * live tail if it can. */
  let live = false;
  while (!signal.aborted) {
    let page: ReadAllPage;
    let hintsSeen: number;
    let shared: TailPage | undefined;
    try {
      shared = live ? await deps.tail?.read(cursor, options.filter) : undefined;
      if (shared) {
        page = shared;
        hintsSeen = shared.hintsSeen;
      } else {
        const read = prefetched ?? startRead(cursor);
        prefetched = undefined;
        page = await read.page;
        hintsSeen = read.hintsSeen;
      }
      failures = 0;
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      deps.logger?.warn({ err: error, failures }, 'subscription read failed; retrying');
      await sleep(Math.min(50 * 2 ** failures, 5_000), signal);
      continue;
    }
    // A page from the tail keeps the subscription on the tail, which reads on through a burst; only a
    // subscription reading on its own prefetches, and turns to the tail once it reaches the end.
    live = shared !== undefined || page.isEnd;
    if (!live && page.next) prefetched = startRead(page.next);
    for (const event of page.events) {
      if (signal.aborted) return;
      yield { kind: 'event', event };
      cursor = event.position;
    }
    if (page.next && (!cursor || comparePositions(page.next, cursor) > 0)) cursor = page.next;
    if (!page.isEnd) continue;
    const moved =
      reportedAt === null ||
      (cursor !== undefined && (reportedAt === undefined || comparePositions(cursor, reportedAt) !== 0));
    if (moved) {
      if (signal.aborted) return;
      reportedAt = cursor;
      yield { kind: 'caught-up', position: cursor };
    }
    // What is visible is visible in log order (no horizon), so a hint's events are there on the next read.
    const woken = await deps.wakeups.wait(hintsSeen, deps.pollIntervalMs, signal);
    if (woken === 'timeout') deps.wakeups.pollDue();
  }
}
