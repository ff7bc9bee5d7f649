import { CheckpointMoved, GenerationMoved } from './generations.ts';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * A handler failed on an event of a newer `schema_version` than this code reads. The run fails and
 * restarts from its checkpoint, so the projection waits at the event (state `retrying`, its `last_error`
 * this error's kind) until a deployment that reads it takes over, or, past `retry.newerVersionWaitMs`,
 * parks it with this error (docs/read-side.md "Rolling upgrades").
 */
export class NewerEventVersion extends Error {
  constructor(event: { type: string; data: unknown }, cause: unknown) {
    const version = (event.data as { schema_version?: unknown }).schema_version;
    super(`${event.type} version ${String(version)} is newer than this code reads`, { cause });
    this.name = 'NewerEventVersion';
  }
}

/**
 * An error that says nothing about the event: the database or Redis is unreachable, or this runner lost
 * ownership. Such an error must never park an event; the runner restarts from its checkpoint instead.
 */
export function isInfrastructureError(error: unknown): boolean {
  if (error instanceof GenerationMoved || error instanceof CheckpointMoved) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code)) return true;
    // PostgreSQL classes: 08 connection, 53 resources, 57 operator intervention (shutdown, terminate), 58 system.
    if (/^(08|53|57|58)/.test(code)) return true;
  }
  const message = error.message;
  return (
    error.name === 'AbortError' ||
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection terminated|Connection is closed|connection ended|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
      message,
    )
  );
}

export const backoffMs = (attempt: number, baseMs: number, maxMs: number) =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
