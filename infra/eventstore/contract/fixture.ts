import { randomBytes, randomUUID } from 'node:crypto';
import { VersionConflict } from '../errors.ts';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  SubscribeOptions,
  SubscriptionItem,
} from '../port.ts';
import { comparePositions, type Position } from '../position.ts';

/** What an adapter's test file hands the contract suite. */
export type ContractFixture = {
  store: EventStore;
  teardown: () => Promise<void>;
  /** Cuts every connection the store holds (server side); the store must recover on its own. */
  dropConnections?: () => Promise<void>;
  /**
   * Appends with the writing transaction held open for `holdMs` after the events are written, so they
   * commit late (the late-commit test). Without it, writers only race with random delays.
   */
  slowAppend?: (
    stream: string,
    events: EventToAppend[],
    expectedRevision: ExpectedRevision,
    holdMs: number,
  ) => Promise<AppendResult>;
};

export type ContractSetup = () => Promise<ContractFixture>;

/** A category of this test's own, so tests share one store without seeing each other's events. */
export const uniqueCategory = (label: string) => `ct${label}${randomBytes(4).toString('hex')}`;

export const newEvent = (type = 'SomethingHappened', data: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { ...data, schema_version: 1 },
  metadata: { correlation_id: randomUUID() },
});

export const newEvents = (count: number, type?: string) =>
  Array.from({ length: count }, (_, i) => newEvent(type, { n: i }));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` and returns the VersionConflict it raises; fails when it raises nothing or something else. */
export async function conflictOf(attempt: Promise<unknown>): Promise<VersionConflict> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof VersionConflict) return error;
    throw error;
  }
  throw new Error('expected a VersionConflict, the append succeeded');
}

/** Retries an operation that may hit a connection the server just cut (not a conflict). */
export async function retryTransient<T>(operation: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof VersionConflict || i >= attempts) throw error;
      await sleep(100 * i);
    }
  }
}

/**
 * Reads a subscription until `done` says so (or the timeout), then stops it. Returns what it received;
 * the caller asserts on it, so a timeout shows as a missing event rather than a hang.
 */
export async function collect(
  store: EventStore,
  options: Omit<SubscribeOptions, 'signal'>,
  done: (items: SubscriptionItem[]) => boolean,
  timeoutMs = 30_000,
  onItem?: (item: SubscriptionItem, items: SubscriptionItem[]) => Promise<void> | void,
): Promise<SubscriptionItem[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const items: SubscriptionItem[] = [];
  try {
    for await (const item of store.subscribeToAll({ ...options, signal: controller.signal })) {
      items.push(item);
      await onItem?.(item, items);
      if (done(items)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

export const eventsOf = (items: SubscriptionItem[]) =>
  items.flatMap((item) => (item.kind === 'event' ? [item.event] : []));

/**
 * Waits until the global log shows `position`. A store may publish a commit to readers of the global log
 * a little after the append returned (PostgreSQL: only once every older transaction in the cluster ended).
 */
export async function waitUntilVisible(store: EventStore, position: Position, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await store.headPosition();
    if (head && comparePositions(head, position) >= 0) return;
    if (Date.now() > deadline) throw new Error('appended events did not become visible in the global log');
    await sleep(20);
  }
}
