import type { AppendResult } from '../port.ts';
import type { AppendOutcome, AppendRequest } from './append.ts';

type Waiting = {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
};

export type GroupCommitOptions = {
  /** Writes one batch (one statement, one transaction) and answers each append's outcome, in order. */
  write: (requests: readonly AppendRequest[]) => Promise<AppendOutcome[]>;
  /** Batches written at once. Appends serialise on the append-order lock anyway; a second batch in flight
   * has its statement already at the server when the first commits. Default 2. */
  maxInFlight?: number;
  /** Appends per batch at most. Default 256. */
  maxBatch?: number;
};

/**
 * Group commit: appends that arrive while batches are in flight wait and go together in the next batch,
 * so under load many appends share one statement, one transaction and one WAL flush, while a lone append
 * goes at the end of its turn of the event loop (no timer, no added latency when idle). Each caller gets
 * its own outcome: one caller's VersionConflict does not fail the others. Within a batch, appends are
 * applied in arrival order (so appends to one stream resolve in order); two batches in flight are applied
 * in the order they take the append-order lock, which is a valid order too, since no caller of either has
 * its answer yet.
 */
export class GroupCommit {
  #queue: Waiting[] = [];
  #inFlight = 0;
  #pumpScheduled = false;
  #waitingForIdle: (() => void)[] = [];
  readonly #write: GroupCommitOptions['write'];
  readonly #maxInFlight: number;
  readonly #maxBatch: number;

  constructor(options: GroupCommitOptions) {
    this.#write = options.write;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#maxBatch = options.maxBatch ?? 256;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#schedulePump();
    });
  }

  /**
   * The pump runs once the current turn of the event loop is done (setImmediate), so every append made in
   * that turn joins one batch: the callers a finished batch answers make their next appends in the same
   * turn, through the store's layers, and a pump at once would send the first of them alone.
   */
  #schedulePump() {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
      if (this.#idle()) for (const resolve of this.#waitingForIdle.splice(0)) resolve();
    });
  }

  #idle() {
    return this.#queue.length === 0 && this.#inFlight === 0 && !this.#pumpScheduled;
  }

  /** Resolves once every append made so far has its answer: the store waits for this before closing. */
  settled(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#waitingForIdle.push(resolve));
  }

  #pump() {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight += 1;
      this.#written(batch.map((w) => w.request))
        .then(
          (outcomes) =>
            batch.forEach((waiting, i) => {
              const outcome = outcomes[i];
              if (outcome instanceof Error) waiting.reject(outcome);
              else if (outcome) waiting.resolve(outcome);
              else waiting.reject(new Error('group commit: no outcome for this append'));
            }),
          (error: Error) => {
            for (const waiting of batch) waiting.reject(error);
          },
        )
        .finally(() => {
          this.#inFlight -= 1;
          this.#schedulePump();
        });
    }
  }

  /** The write's promise; a write that throws at once fails its batch like one that rejects. */
  #written(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    try {
      return this.#write(requests);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
