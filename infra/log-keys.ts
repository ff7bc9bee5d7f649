import type { Logger } from 'pino';

/**
 * One key once per log line. pino writes a child's bindings and the fields of the call side by side, so a
 * key bound twice (a child of a child, or a call repeating what its logger already says) appears twice in
 * the JSON, and readers keep only one of the two. Here a repeated key with the same value is dropped; with
 * another value it is kept under `<key>_inner` (`_inner2`, … deeper down), so no value is lost.
 */
export function withoutBoundKeys<T extends Record<string, unknown>>(
  fields: T,
  bound: Record<string, unknown>,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (!(key in bound)) continue;
    copy ??= { ...fields };
    const value = copy[key];
    delete copy[key];
    for (let n = 1, name = key; ; n += 1) {
      if (sameValue(value, bound[name]) || sameValue(value, copy[name])) break;
      if (!(name in bound) && !(name in copy)) {
        copy[name] = value;
        break;
      }
      name = n === 1 ? `${key}_inner` : `${key}_inner${n}`;
    }
  }
  return copy ?? fields;
}

const sameValue = (a: unknown, b: unknown) =>
  a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

const plainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !(value instanceof Error) && !Array.isArray(value);

/** pino's `hooks.logMethod`: the fields of a call lose the keys its logger already binds. */
export function logMethodWithoutBoundKeys(
  this: Logger,
  args: Parameters<Logger['info']>,
  method: (...args: unknown[]) => void,
) {
  const [first, ...rest] = args as unknown[];
  if (!plainObject(first)) return method.apply(this, args as unknown[]);
  return method.apply(this, [withoutBoundKeys(first, this.bindings()), ...rest]);
}

/** A child's bindings lose the keys its parent already binds (the same rule), at every depth below `root`. */
export function dedupeChildBindings(root: Logger): Logger {
  const child = root.child;
  root.child = function dedupedChild(this: Logger, bindings, options) {
    return child.call(this, withoutBoundKeys(bindings, this.bindings()), options);
  } as Logger['child'];
  return root;
}
