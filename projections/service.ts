import {
  type RebuildOptions,
  type RebuildResult,
  rebuildProjection as rebuildGeneration,
} from '../application/projection-runner/rebuild.ts';
import {
  createProjectionRunner,
  type ProjectionRunner,
  type RunnerDeps,
  type RunnerOptions,
} from '../application/projection-runner/runner.ts';
import type { Projection, ProjectionStatus } from '../application/projection-runner/types.ts';
import type { Position } from '../infra/eventstore/position.ts';
import { projections as allProjections, findProjection } from './registry.ts';

export type ProjectionService = {
  start(): void;
  stop(): Promise<void>;
  statuses(): ProjectionStatus[];
  runner(name: string): ProjectionRunner;
  /** True once every named projection (all when omitted) has passed `position`. */
  waitFor(position: Position, timeoutMs: number, names?: readonly string[]): Promise<boolean>;
};

/** One runner per projection; each takes its lease, so several processes may run this safely. */
export function createProjectionService(
  deps: RunnerDeps,
  options: RunnerOptions & { projections?: readonly Projection[] } = {},
): ProjectionService {
  const runners = new Map(
    (options.projections ?? allProjections).map((p) => [p.name, createProjectionRunner(p, deps, options)]),
  );
  return {
    start: () => {
      for (const runner of runners.values()) runner.start();
    },
    stop: async () => {
      await Promise.all([...runners.values()].map((r) => r.stop()));
    },
    statuses: () => [...runners.values()].map((r) => r.status()),
    runner(name) {
      const found = runners.get(name);
      if (!found) throw new Error(`no runner for projection ${name}`);
      return found;
    },
    async waitFor(position, timeoutMs, names) {
      const picked = names ? names.map((n) => this.runner(n)) : [...runners.values()];
      const results = await Promise.all(picked.map((r) => r.waitFor(position, timeoutMs)));
      return results.every(Boolean);
    },
  };
}

/** `bin/replay` entry: rebuilds the named projection in a new generation and swaps it in. */
export function rebuildProjection(
  name: string,
  deps: RunnerDeps,
  options: RebuildOptions & { projections?: readonly Projection[] } = {},
): Promise<RebuildResult> {
  return rebuildGeneration(findProjection(name, options.projections), deps, options);
}
