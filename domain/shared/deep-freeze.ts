/**
 * Freezes `value` and every object and array it holds, and returns it. What is already frozen is not
 * walked again: a state evolved from a frozen one shares its unchanged parts, so only what the events
 * changed is visited. For plain data (objects, arrays, primitives): a Map or a Set would stay mutable.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
