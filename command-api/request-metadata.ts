import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { CommandMetadata } from '../application/commands/metadata.ts';
import { ErrorCode } from '../domain/shared/errors.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { type Position, positionToString } from '../infra/eventstore/position.ts';
import { HttpError } from '../infra/http/http-error.ts';

/** What every event a request causes carries about it: the request id as correlation id, user, trace. */
export function commandMetadata(req: Request): CommandMetadata {
  return {
    correlation_id: req.requestId,
    request_id: req.requestId,
    ...(req.auth ? { user_id: req.auth.userId } : {}),
    ...(req.traceparent ? { traceparent: req.traceparent } : {}),
  };
}

/**
 * If-Match → the revision the client expects the aggregate at (for the command handler, which then
 * surfaces a conflict instead of retrying: 412). `*` and an absent header mean no precondition.
 */
export function expectedRevisionFrom(req: Request): bigint | undefined {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*"?(\d{1,19})"?\s*$/.exec(header);
  if (!match)
    throw new HttpError(ErrorCode.ValidationFailed, 'If-Match must be an ETag such as "3"', {
      details: [{ field: 'If-Match', message: 'expected "<revision>"' }],
    });
  return BigInt(match[1]!);
}

/** ETag of an aggregate at a revision. */
export const etag = (revision: bigint) => `"${revision}"`;

/** What a command that appended nothing (a login, a logout) gives setCommandHeaders. */
export const noAppend = { revision: undefined, position: undefined } as const;

/**
 * ETag and X-Consistency-Token for a command's response. When the command appended nothing the
 * token is the store's head, which every read model the client might consult must reach anyway.
 */
export async function setCommandHeaders(
  res: Response,
  store: Pick<EventStore, 'headPosition'>,
  result: { revision: bigint | undefined; position: Position | undefined },
): Promise<void> {
  if (result.revision !== undefined) res.setHeader('ETag', etag(result.revision));
  const position = result.position ?? (await store.headPosition());
  if (position) res.setHeader('X-Consistency-Token', positionToString(position));
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
