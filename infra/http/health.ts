import { Router } from 'express';
import { describeError } from '../log-errors.ts';

export type DependencyCheck = { name: string; check: () => Promise<void> };

const withDeadline = async (work: Promise<void>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * GET /health (alive, no dependencies), GET /ready (every dependency with status and latency; 503
 * with Retry-After when one is down). GET /metrics is infra/telemetry's metricsRoute.
 */
export function healthRoutes(options: {
  checks: DependencyCheck[];
  timeoutMs?: number;
  service: string;
}): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        const start = performance.now();
        try {
          await withDeadline(check(), options.timeoutMs ?? 1500);
          return [name, { status: 'up', latency_ms: Math.round(performance.now() - start) }] as const;
        } catch (error) {
          return [
            name,
            {
              status: 'down',
              latency_ms: Math.round(performance.now() - start),
              error: describeError(error),
            },
          ] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.status === 'up');
    if (!ready) res.setHeader('Retry-After', '5');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      service: options.service,
      dependencies: Object.fromEntries(results),
    });
  });
  return router;
}
