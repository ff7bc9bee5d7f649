import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterMetrics, primaryClusterMetrics } from './cluster-metrics.ts';
import { createMetrics } from './metrics.ts';

/**
 * The primary's scrape over node:cluster workers: a worker still starting (forked, not yet listening for
 * asks) is left out instead of holding the scrape until the bound and failing it; once it says hello its
 * registry is summed in.
 */
const fixture = fileURLToPath(new URL('./fixtures/metrics-worker.ts', import.meta.url));
const counted = (text: string) => {
  const line = text.split('\n').find((l) => l.startsWith('commands_total{type="Fixture",outcome="ok"} '));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe('cluster metrics', () => {
  let primary: ClusterMetrics;
  const workers: Worker[] = [];

  beforeAll(async () => {
    const metrics = createMetrics({ runtime: false });
    metrics.recordCommand('Fixture', 'ok', 0); // one per process
    primary = primaryClusterMetrics(metrics.registry, 1_000);
    cluster.setupPrimary({ exec: fixture, execArgv: ['--import', 'tsx'], silent: true });
    for (let i = 0; i < 2; i++) {
      const worker = cluster.fork();
      workers.push(worker);
      await once(worker, 'message'); // 'forked'
    }
  }, 60_000);

  afterAll(async () => {
    primary?.close();
    await Promise.all(
      workers.map(async (worker) => {
        const exited = once(worker, 'exit');
        worker.kill();
        await exited;
      }),
    );
  });

  const hello = async (worker: Worker) => {
    const said = new Promise<void>((resolve) => {
      const onMessage = (from: Worker, message: { type?: string }) => {
        if (from !== worker || message?.type !== 'shop:metrics:hello') return;
        cluster.off('message', onMessage);
        resolve();
      };
      cluster.on('message', onMessage);
    });
    worker.send('listen');
    await said;
  };

  it('leaves out a worker that has not said hello, then sums it in once it has', async () => {
    // Both forked and connected, neither listening yet: the scrape answers with the primary's own count.
    expect(counted(await primary.render())).toBe(1);
    await hello(workers[0]!);
    expect(counted(await primary.render())).toBe(2);
    await hello(workers[1]!);
    expect(counted(await primary.render())).toBe(3);
  });
});
