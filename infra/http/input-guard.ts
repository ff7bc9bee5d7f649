import type { RequestHandler } from 'express';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';

/** Deepest nesting of arrays and objects a JSON body may have; our bodies need four or five. */
export const MAX_JSON_DEPTH = 32;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be taken (NUL, which PostgreSQL cannot store; a lone UTF-16 surrogate), or undefined. */
export function badText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (loneSurrogate.test(text)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/**
 * The first key or string anywhere in `value` that badText refuses, with its path. Iterative (an explicit
 * stack), so no input can exhaust the call stack.
 */
export function findBadText(value: unknown, root: string): { field: string; message: string } | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      const message = badText(item);
      if (message) return { field: path, message };
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const childPath = path ? `${path}.${key}` : key;
        const message = badText(key);
        if (message) return { field: childPath, message };
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

/**
 * True when raw JSON text nests arrays/objects deeper than `max`, by one pass over the bytes (brackets
 * inside strings do not count). Runs before JSON.parse, so nothing downstream ever walks a deep value.
 */
export function jsonTooDeep(raw: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
  return false;
}

/** For express.json's `verify`: refuses a too-deep body before it is parsed. */
export function refuseDeepJson(_req: unknown, _res: unknown, raw: Uint8Array): void {
  if (jsonTooDeep(raw))
    throw new HttpError(ErrorCode.MalformedRequest, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
      status: 400,
    });
}

const refuse = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'Invalid request text', [{ field, message }]);

/**
 * Before routing, for both APIs: every path segment must be a well-formed %-escape sequence (400 VAL_2003
 * otherwise, instead of the router's URIError), and no path segment or query string value or key may hold
 * NUL or a lone surrogate (400 VAL_2001). Query values are checked after the query parser ran.
 */
export const inputGuard: RequestHandler = (req, _res, next) => {
  // Without a %-escape there is nothing to refuse: Node's HTTP parser refuses a raw NUL or non-ASCII byte
  // in the request target (input-fuzz.e2e.test.ts). Most requests stop here, before the path is split,
  // decoded and its query walked.
  if (!req.url.includes('%')) return next();
  for (const segment of req.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return next(
        new HttpError(ErrorCode.MalformedRequest, 'Malformed %-escape in the path', { status: 400 }),
      );
    }
    const message = badText(decoded);
    if (message) return next(refuse('path', message));
  }
  const found = findBadText(req.query, 'query');
  if (found) return next(refuse(found.field, found.message));
  next();
};
