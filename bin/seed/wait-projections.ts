import type pg from 'pg';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, parsePosition } from '../../infra/eventstore/position.ts';

export type Standing = { projection: string; position: Position | undefined };

/** Where the serving generation of each named projection stands (undefined: not started yet). */
export async function projectionStandings(pool: pg.Pool, names: readonly string[]): Promise<Standing[]> {
  const { rows } = await pool.query<{ projection: string; position: string | null }>(
    `SELECT g.projection, c.position
       FROM projection_generations g
       LEFT JOIN projection_checkpoints c ON c.projection = g.projection AND c.generation = g.serving
      WHERE g.projection = ANY($1)`,
    [names],
  );
  const found = new Map(rows.map((r) => [r.projection, r.position ? parsePosition(r.position) : undefined]));
  return names.map((projection) => ({ projection, position: found.get(projection) }));
}

/** The share of the log up to `head` a checkpoint has passed (positions grow along the log). */
export const shareOf = (position: Position | undefined, head: Position) =>
  !position
    ? 0
    : head.prepare > 0n
      ? Math.min(1, Number((position.prepare * 1000n) / head.prepare) / 1000)
      : 1;

/**
 * Waits until every named projection's serving checkpoint has reached the head of the log as it is now,
 * printing where they stand every `everyMs`. Whoever runs the projections (this process or `npm start`)
 * does the work; this only reads the checkpoints. Resolves with the ones still behind at the timeout.
 */
export async function waitForProjections(options: {
  pool: pg.Pool;
  store: EventStore;
  names: readonly string[];
  log: (line: string) => void;
  timeoutMs: number;
  everyMs?: number;
}): Promise<{ behind: string[]; seconds: number }> {
  const started = Date.now();
  const head = await options.store.headPosition();
  if (!head) return { behind: [], seconds: 0 };
  let lastLine = 0;
  for (;;) {
    const standings = await projectionStandings(options.pool, options.names);
    const behind = standings.filter((s) => !s.position || comparePositions(s.position, head) < 0);
    const seconds = (Date.now() - started) / 1000;
    if (behind.length === 0) return { behind: [], seconds };
    if (Date.now() - started > options.timeoutMs) return { behind: behind.map((s) => s.projection), seconds };
    if (Date.now() - lastLine >= (options.everyMs ?? 2_000)) {
      lastLine = Date.now();
      const detail = behind.map((s) => `${s.projection} ${Math.round(shareOf(s.position, head) * 100)}%`);
      options.log(
        `projections: ${standings.length - behind.length}/${standings.length} caught up; ${detail.join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
