/**
 * Pulls `source` into a queue of up to `depth` items on its own, so the next page of the log is read while
 * the consumer writes the current batch. Order is kept, and an error surfaces after the items before it.
 * Calls the source's `next()` one at a time, so any async iterator will do. When the consumer stops early,
 * the source is told to return without waiting for a read still in flight (the caller aborts its signal).
 */
/**
 * Marks an async iterable whose items are already read ahead by a reader of its own, into a queue that
 * ending the iteration (or aborting its signal) stops: the value counts the items waiting in it.
 */
export const readsAhead = Symbol('readsAhead');
export type ReadingAhead<T> = AsyncIterable<T> & { [readsAhead]: () => number };

export function readAhead<T>(source: AsyncIterable<T> | ReadingAhead<T>, depth: number) {
  // Already filled by a reader of its own (the shared read's members): a second queue in front of it would
  // only add two promise hops an item.
  if (readsAhead in source) return { items: source as AsyncIterable<T>, buffered: source[readsAhead] };
  const queue: T[] = [];
  return {
    items: pull(source, depth, queue),
    /** Items already read and not yet taken: 0 means the consumer would now wait for the source. */
    buffered: () => queue.length,
  };
}

async function* pull<T>(source: AsyncIterable<T>, depth: number, queue: T[]): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer = () => {};
  let wakePump = () => {};
  void (async () => {
    try {
      while (!stopped) {
        if (queue.length >= depth) {
          await new Promise<void>((resolve) => {
            wakePump = resolve;
          });
          continue;
        }
        const result = await iterator.next();
        if (result.done) break;
        queue.push(result.value);
        wakeConsumer();
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer();
    }
  })();
  try {
    for (;;) {
      if (queue.length > 0) {
        const item = queue.shift()!;
        wakePump();
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (done) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    wakePump();
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
