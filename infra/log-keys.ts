import { hostname } from 'node:os';
import type { Logger } from 'pino';

/**
 * One key once per log line. pino writes a child's bindings and the fields of the call side by side, so a
 * key bound twice (a child of a child, or a call repeating what its logger already says) appears twice in
 * the JSON, and readers keep only one of the two. Here a repeated key with the same value is dropped; with
 * another value it is kept under `<key>_inner` (`_inner2`, … deeper down), so no value is lost. A key in
 * `censored` (one that redaction or a serializer names) is never renamed: `<key>_inner` would escape the
 * redaction paths or the serializer, which name the key itself. The bound value stays, and the repeated
 * one goes.
 */
export function withoutBoundKeys<T extends Record<string, unknown>>(
  fields: T,
  bound: Record<string, unknown>,
  censored: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (!(key in bound)) continue;
    copy ??= { ...fields };
    const value = copy[key];
    delete copy[key];
    if (censored.has(key)) continue;
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

/** Errors by identity (their own fields do not stringify); other objects by their JSON. */
const sameValue = (a: unknown, b: unknown) =>
  a === b ||
  (typeof a === 'object' &&
    a !== null &&
    !(a instanceof Error) &&
    !(b instanceof Error) &&
    JSON.stringify(a) === JSON.stringify(b));

const plainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !(value instanceof Error) && !Array.isArray(value);

/**
 * The rule above for a pino logger and every child below it: `logMethod` is its `hooks.logMethod` (a
 * call's fields lose the keys the logger binds), and `dedupeChildren(root)` makes each child's bindings
 * lose the keys its parent binds. The first name of each of `redactedPaths` (but `*`) and each of
 * `serializedKeys` (a copy under another name would miss its serializer) is never renamed. What each
 * logger binds is kept here as it is bound (pino's `bindings()` parses its serialised bindings on every
 * call, and a request makes two or three children and a line); the root's include pino's `pid` and
 * `hostname`, which `bindings()` leaves out.
 */
export function keyOncePerLine(redactedPaths: readonly string[], serializedKeys: readonly string[] = []) {
  const censored = new Set([
    ...redactedPaths.map((path) => path.split('.')[0]!).filter((name) => name !== '*'),
    ...serializedKeys,
  ]);
  const bindingsOf = new WeakMap<object, Record<string, unknown>>();
  const bound = (logger: Pick<Logger, 'bindings'>) => {
    let known = bindingsOf.get(logger);
    if (!known) {
      known = logger.bindings();
      bindingsOf.set(logger, known);
    }
    return known;
  };
  return {
    logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void) {
      const [first, ...rest] = args as unknown[];
      if (!plainObject(first)) return method.apply(this, args as unknown[]);
      return method.apply(this, [withoutBoundKeys(first, bound(this), censored), ...rest]);
    },
    dedupeChildren(root: Logger): Logger {
      bindingsOf.set(root, { pid: process.pid, hostname: hostname(), ...root.bindings() });
      const child = root.child;
      root.child = function dedupedChild(this: Logger, bindings, options) {
        const parent = bound(this);
        const own = withoutBoundKeys(bindings, parent, censored);
        const made = child.call(this, own, options);
        bindingsOf.set(made, { ...parent, ...own });
        return made;
      } as Logger['child'];
      // Children inherit these from the root (pino makes each child with the parent as its prototype).
      const setBindings = root.setBindings;
      root.setBindings = function forgetBindings(this: Logger, bindings) {
        bindingsOf.delete(this);
        setBindings.call(this, bindings);
      };
      return root;
    },
  };
}
