import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { type Id, type IdKind, isId } from '../../domain/shared/ids.ts';

/**
 * An id of `kind` from a path. Anything that is not such an id cannot name one, so it is answered as an
 * unknown `what` (404 RES_3001), as a well-formed id that does not exist is, by both APIs alike. The
 * answer does not repeat it: it is whatever the client put where an id belongs (an email, a token).
 */
export function idOr404<K extends IdKind>(kind: K, value: string, what: string): Id<K> {
  if (!isId(kind, value)) throw new DomainError(ErrorCode.NotFound, `${what} not found`);
  return value;
}
