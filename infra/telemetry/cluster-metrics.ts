/**
 * /metrics over the API worker processes (node:cluster, bin/api-workers.ts): whichever process answers a
 * scrape, it reports the whole group: the primary's registry (projection lag, timers, mail: its roles)
 * plus every worker's, each metric merged by prom-client's `AggregatorRegistry.aggregate` (counters and
 * histograms summed, per-metric `aggregator`s such as `omit` on process_start_time honoured).
 *
 * The primary gathers: it asks each connected worker for its registry as JSON over the cluster IPC
 * channel and merges those with its own. A worker's /metrics asks the primary for that sum. (prom-client's
 * own `clusterMetrics()` gathers the workers only, as text, so the primary's roles would be left out.)
 * A worker that does not answer within the bound fails the scrape rather than lowering a counter's sum.
 * The primary asks only workers that have said hello: one still starting (forked, not yet listening for
 * asks) has counted nothing yet, and asking it would hold the scrape until the bound and fail it.
 */
import cluster, { type Worker } from 'node:cluster';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import { describeError } from '../log-errors.ts';

/**
 * A sum that could not be gathered: the code says why to whoever scrapes (/metrics answers an error's
 * kind, never its message).
 */
const gatherFailed = (why: string, code: 'WORKERS_SILENT' | 'PRIMARY_SILENT' | 'NOT_GATHERED') =>
  Object.assign(new Error(`metrics: ${why}`), { code: `METRICS_${code}` });

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];
type Message =
  | { type: 'shop:metrics:hello' } // worker → primary: I answer asks from now on
  | { type: 'shop:metrics:ask'; id: number } // primary → worker: your registry, please
  | { type: 'shop:metrics:own'; id: number; metrics: MetricsJson } // worker → primary
  | { type: 'shop:metrics:collect'; id: number } // worker → primary: the group's sum, please
  | { type: 'shop:metrics:sum'; id: number; text?: string; error?: string }; // primary → worker

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { type?: unknown }).type === 'string' &&
  (value as { type: string }).type.startsWith('shop:metrics:');

export type ClusterMetrics = {
  /** Prometheus text of the whole group (this process alone outside a cluster). */
  render(): Promise<string>;
  /** Stops listening (tests). */
  close(): void;
};

/** In the primary of API workers: gathers and sums, for its own /metrics and for the workers'. */
export function primaryClusterMetrics(registry: Registry, timeoutMs = 5_000): ClusterMetrics {
  let nextId = 0;
  const waiting = new Map<number, { pending: Set<Worker>; got: MetricsJson[]; settle: () => void }>();
  const listening = new WeakSet<Worker>();

  async function render(): Promise<string> {
    const id = nextId++;
    const own = await registry.getMetricsAsJSON();
    const asked = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker?.isConnected() === true && listening.has(worker),
    );
    const got: MetricsJson[] = [];
    await new Promise<void>((resolve, reject) => {
      const pending = new Set(asked);
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          gatherFailed(`${pending.size} worker(s) did not answer within ${timeoutMs} ms`, 'WORKERS_SILENT'),
        );
      }, timeoutMs);
      const settle = () => {
        if (pending.size > 0) return;
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      };
      waiting.set(id, { pending, got, settle });
      for (const worker of asked) worker.send({ type: 'shop:metrics:ask', id } satisfies Message);
      settle();
    });
    return AggregatorRegistry.aggregate([own, ...got]).metrics();
  }

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'shop:metrics:hello') listening.add(worker);
    else if (message.type === 'shop:metrics:own') {
      const request = waiting.get(message.id);
      if (!request?.pending.delete(worker)) return;
      request.got.push(message.metrics);
      request.settle();
    } else if (message.type === 'shop:metrics:collect') {
      const reply = (answer: { text?: string; error?: string }) => {
        if (worker.isConnected()) worker.send({ type: 'shop:metrics:sum', id: message.id, ...answer });
      };
      render().then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: describeError(error) }),
      );
    }
  };
  // A worker that exits while asked answers nothing: the sum goes on without it, as after its exit.
  const onExit = (worker: Worker) => {
    for (const request of waiting.values()) if (request.pending.delete(worker)) request.settle();
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    render,
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    },
  };
}

/** In an API worker: answers the primary's asks with its registry; its /metrics is the primary's sum. */
export function workerClusterMetrics(registry: Registry, timeoutMs = 10_000): ClusterMetrics {
  let nextId = 0;
  const waiting = new Map<number, (answer: { text?: string; error?: string }) => void>();

  const onMessage = (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'shop:metrics:ask') {
      void registry.getMetricsAsJSON().then((metrics) => {
        if (process.connected)
          process.send?.({ type: 'shop:metrics:own', id: message.id, metrics } satisfies Message);
      });
    } else if (message.type === 'shop:metrics:sum') {
      waiting.get(message.id)?.(message);
    }
  };
  process.on('message', onMessage);
  if (process.connected) process.send?.({ type: 'shop:metrics:hello' } satisfies Message);

  return {
    render() {
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(gatherFailed(`the primary did not answer within ${timeoutMs} ms`, 'PRIMARY_SILENT'));
        }, timeoutMs);
        waiting.set(id, ({ text, error }) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (text === undefined) reject(gatherFailed(error ?? 'no answer', 'NOT_GATHERED'));
          else resolve(text);
        });
        if (!process.connected || !process.send) {
          waiting.get(id)?.({ error: 'metrics: no primary to ask' });
          return;
        }
        process.send({ type: 'shop:metrics:collect', id } satisfies Message);
      });
    },
    close() {
      process.off('message', onMessage);
    },
  };
}
