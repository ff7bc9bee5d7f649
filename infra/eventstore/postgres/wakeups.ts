import pg from 'pg';
import type { Logger } from '../../logger.ts';

export const CHANNEL = 'es_appended';

export type WakeupOptions = {
  /** Where the LISTEN connection goes (the pool's own settings). */
  clientConfig: pg.ClientConfig;
  /** Sends the hint (through the store's pool, after the append committed). */
  sendNotify: () => Promise<unknown>;
  /** At most one NOTIFY per this many ms per store: NOTIFY takes a global lock at commit. */
  notifyDebounceMs: number;
  logger?: Logger;
};

/**
 * LISTEN/NOTIFY as a hint only. Appenders wake the subscribers of their own process at once and send a
 * debounced NOTIFY for the others after they commit; subscribers wait for a hint or their poll interval,
 * whichever comes first, so a lost hint (dropped LISTEN connection) costs at most one poll interval, never
 * an event.
 */
export class Wakeups {
  #generation = 0;
  #waiters = new Set<() => void>();
  #listener: pg.Client | undefined;
  #listening = false;
  #reconnectDelayMs = 100;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastNotifyAt = 0;
  #notifyTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WakeupOptions) {}

  /** Counter of hints received; read it before a read, pass it to `wait` so a hint in between is not lost. */
  get generation() {
    return this.#generation;
  }

  /** Resolves on a hint newer than `seen` ('hint'), after `timeoutMs` ('timeout'), or on abort. */
  wait(seen: number, timeoutMs: number, signal?: AbortSignal): Promise<'hint' | 'timeout'> {
    this.#ensureListening();
    if (this.#generation !== seen || signal?.aborted || this.#closed) return Promise.resolve('hint');
    return new Promise((resolve) => {
      const finish = (why: 'hint' | 'timeout') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onHint);
        this.#waiters.delete(onHint);
        resolve(why);
      };
      const onHint = () => finish('hint');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal?.addEventListener('abort', onHint, { once: true });
      this.#waiters.add(onHint);
    });
  }

  /** Called after each successful append: wakes this process's subscribers now (the append has committed),
   * and NOTIFYs the other processes, leading-edge, then at most once per debounce window. */
  appended() {
    if (this.#closed) return;
    this.#wakeAll();
    if (this.#notifyTimer) return;
    const wait = this.#lastNotifyAt + this.options.notifyDebounceMs - Date.now();
    if (wait <= 0) this.#send();
    else
      this.#notifyTimer = setTimeout(() => {
        this.#notifyTimer = undefined;
        this.#send();
      }, wait);
  }

  /**
   * A subscription waited its poll interval and no hint came: counted as a hint, so every subscription of
   * this store reads again and the live tail serves them with one read (a hint can be lost, or an append
   * made in a caller's own transaction sends none).
   */
  pollDue() {
    if (!this.#closed) this.#wakeAll();
  }

  #send() {
    this.#lastNotifyAt = Date.now();
    this.options.sendNotify().catch((error) => {
      this.options.logger?.debug({ err: error }, 'NOTIFY failed; subscribers will poll');
    });
  }

  #wakeAll() {
    this.#generation += 1;
    for (const waiter of [...this.#waiters]) waiter();
  }

  #ensureListening() {
    if (this.#listening || this.#closed || this.#reconnectTimer) return;
    this.#listening = true;
    const client = new pg.Client(this.options.clientConfig);
    this.#listener = client;
    const lost = (error?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      this.#listening = false;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.options.logger?.warn({ err: error }, 'event store LISTEN connection lost; reconnecting');
      // Whatever was notified meanwhile is found by the next read.
      this.#wakeAll();
      this.#reconnectTimer = setTimeout(() => {
        this.#reconnectTimer = undefined;
        this.#ensureListening();
      }, this.#reconnectDelayMs);
      this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, 5_000);
    };
    client.on('notification', () => this.#wakeAll());
    client.on('error', lost);
    client.on('end', () => lost());
    client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        this.#reconnectDelayMs = 100;
        // Appends between losing and regaining the connection were not announced.
        this.#wakeAll();
      })
      .catch((error: Error) => lost(error));
  }

  async close() {
    this.#closed = true;
    clearTimeout(this.#notifyTimer);
    clearTimeout(this.#reconnectTimer);
    this.#wakeAll();
    const client = this.#listener;
    this.#listener = undefined;
    await client?.end().catch(() => {});
  }
}
