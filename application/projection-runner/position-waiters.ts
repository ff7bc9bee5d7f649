import { comparePositions, type Position } from '../../infra/eventstore/position.ts';

/**
 * Callers waiting for a runner to pass a position (read-your-writes, tests, replay). `wakeAll` after each
 * checkpoint and on stop; a wait resolves true once the position is reached, false on timeout or stop.
 */
export function createPositionWaiters(current: () => Position | undefined, stopped: AbortSignal) {
  const waiters = new Set<() => void>();
  const reached = (target: Position) => {
    const position = current();
    return position !== undefined && comparePositions(position, target) >= 0;
  };
  return {
    wakeAll() {
      for (const wake of waiters) wake();
    },
    waitFor(target: Position, timeoutMs: number): Promise<boolean> {
      if (reached(target)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const wake = () => {
          if (!reached(target) && !stopped.aborted) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(reached(target));
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(reached(target));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
  };
}
