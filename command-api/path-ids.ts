import { notFound } from '../domain/shared/errors.ts';
import { type Id, type IdKind, isId } from '../domain/shared/ids.ts';

/**
 * An id of `kind` from a path. Anything that is not such an id cannot name one, so it is answered as an
 * unknown `what` (404 RES_3001), exactly like a well-formed id that does not exist: ids cannot be
 * probed, and a command answers as the query API does for the same path.
 */
export function idOr404<K extends IdKind>(kind: K, value: string, what: string): Id<K> {
  if (!isId(kind, value)) throw notFound(what, value);
  return value;
}
