import type { RequestHandler } from 'express';
import type { CheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import { schemaName } from '../application/projection-runner/types.ts';
import { DomainError, ErrorCode } from '../domain/shared/errors.ts';
import { parsePosition } from '../infra/eventstore/position.ts';
import { HttpError } from '../infra/http/http-error.ts';

/**
 * Read-your-writes: with `X-Consistency-Token` (a position from a command response), the request waits
 * until every read model it reads has passed that position — up to `waitMs` — else 503 SYS_5002.
 */
export function consistency(
  watcher: CheckpointWatcher,
  readModels: readonly string[],
  waitMs: number,
): RequestHandler {
  return async (req, _res, next) => {
    const token = req.get('x-consistency-token');
    if (token === undefined) return next();
    const position = parsePosition(token.trim());
    if (!position) {
      throw new DomainError(ErrorCode.ValidationFailed, 'Malformed consistency token', [
        { field: 'X-Consistency-Token', message: 'must be a token returned by a command response' },
      ]);
    }
    if (!(await watcher.waitFor(readModels, position, waitMs))) {
      throw new HttpError(
        ErrorCode.DependencyUnavailable,
        'Read models have not caught up with this token yet',
        {
          headers: { 'Retry-After': '1' },
        },
      );
    }
    next();
  };
}

/** The schema serving a PostgreSQL read model; 503 until its first generation exists. */
export function servingSchema(watcher: CheckpointWatcher, name: string): string {
  const state = watcher.state(name);
  if (!state)
    throw new HttpError(ErrorCode.DependencyUnavailable, `Read model ${name} is not available yet`, {
      headers: { 'Retry-After': '1' },
    });
  return schemaName(name, state.generation);
}
