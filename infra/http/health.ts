import { Router } from 'express';
import { withinDeadline } from '../deadline.ts';
import { errorKind } from '../log-errors.ts';
import type { Logger } from '../logger.ts';

export type DependencyCheck<Name extends string = string> = { name: Name; check: () => Promise<void> };
export type DependencyResult = {
  status: 'up' | 'down';
  latency_ms: number;
  error?: string;
  detail?: unknown;
};

/**
 * A check's refusal that carries the component's own status (built by our code, no quoted text): /ready
 * shows it as the dependency's `detail` (the Kafka publisher's broker state, failures, last error kind).
 */
export class NotReady extends Error {
  constructor(readonly detail: unknown) {
    super('not ready');
    this.name = 'NotReady';
  }
}

/**
 * /ready's dependency checks, each within a deadline. A failure answers with its kind only (`errorKind`:
 * anyone may read /ready, and a message can hold an internal address); the log says what happened, once
 * when a dependency goes down and once when it is back, not at every probe.
 */
export function dependencyChecks(logger: Logger, timeoutMs = 1_500) {
  const down = new Set<string>();
  /** Per dependency: the newest probe started, and the newest whose result counted. */
  const started = new Map<string, number>();
  const counted = new Map<string, number>();
  // Probes overlap (several probers, a slow one running into its deadline): only a result newer than
  // the last one counted may change the state, so a late failure cannot undo a later recovery.
  const current = (name: string, probe: number) => {
    if (probe < (counted.get(name) ?? 0)) return false;
    counted.set(name, probe);
    return true;
  };
  const run = async ({ name, check }: DependencyCheck): Promise<[string, DependencyResult]> => {
    const probe = (started.get(name) ?? 0) + 1;
    started.set(name, probe);
    const start = performance.now();
    const latency = () => Math.round(performance.now() - start);
    try {
      await withinDeadline(check(), timeoutMs, `no answer within ${timeoutMs} ms`);
      if (current(name, probe) && down.delete(name))
        logger.info({ dependency: name }, 'dependency reachable again');
      return [name, { status: 'up', latency_ms: latency() }];
    } catch (error) {
      if (!current(name, probe)) {
        // Its request still answers 503: the log says why, without changing what later probes found.
        logger.warn({ dependency: name, err: error }, 'late probe failed; a later one had answered');
      } else if (!down.has(name)) {
        logger.warn({ dependency: name, err: error }, 'dependency check failed');
        down.add(name);
      }
      const detail = error instanceof NotReady ? { detail: error.detail } : {};
      return [name, { status: 'down', latency_ms: latency(), error: errorKind(error), ...detail }];
    }
  };
  return async <Name extends string>(
    checks: readonly DependencyCheck<Name>[],
  ): Promise<Record<Name, DependencyResult>> =>
    Object.fromEntries(await Promise.all(checks.map(run))) as Record<Name, DependencyResult>;
}

/**
 * GET /health (alive, no dependencies), GET /ready (every dependency with status and latency; 503
 * with Retry-After when one is down). GET /metrics is infra/telemetry's metricsRoute.
 */
export function healthRoutes(options: {
  checks: DependencyCheck[];
  logger: Logger;
  timeoutMs?: number;
  service: string;
}): Router {
  const router = Router();
  const check = dependencyChecks(options.logger, options.timeoutMs);
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  router.get('/ready', async (_req, res) => {
    const dependencies = await check(options.checks);
    const ready = Object.values(dependencies).every((result) => result.status === 'up');
    if (!ready) res.setHeader('Retry-After', '5');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      service: options.service,
      dependencies,
    });
  });
  return router;
}
