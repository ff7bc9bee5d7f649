import type { EventToAppend } from '../port.ts';

/**
 * An event that cannot be stored as JSON. Raised before anything is sent: @eventstore/db-client calls
 * `JSON.stringify` inside an async Promise executor, so a bigint there becomes an unhandled rejection
 * that takes the whole process down instead of failing the append.
 */
export class InvalidEventPayload extends TypeError {
  constructor(
    readonly stream: string,
    readonly eventType: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Cannot append ${eventType} to ${stream}: ${path} ${reason}`);
    this.name = 'InvalidEventPayload';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isPlainObject = (value: object) => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Returns why `value` would not survive a JSON round trip unchanged, or undefined when it would. */
function problem(value: unknown, path: string, seen: Set<object>): [string, string] | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : [path, `is ${value}, which JSON turns into null`];
    case 'bigint':
      return [path, 'is a bigint; store it as a string'];
    case 'undefined':
    case 'function':
    case 'symbol':
      return [path, `is a ${typeof value}, which JSON cannot hold`];
  }
  if (value === null) return undefined;
  const object = value as object;
  if (seen.has(object)) return [path, 'is a circular reference'];
  if (!Array.isArray(object) && !isPlainObject(object)) {
    return [
      path,
      `is a ${object.constructor?.name ?? 'non-plain object'}; only plain objects and arrays are JSON`,
    ];
  }
  seen.add(object);
  const entries = Array.isArray(object)
    ? object.map((item, i) => [`${path}[${i}]`, item] as const)
    : Object.entries(object)
        // An undefined property is simply left out by JSON, which is what the caller meant.
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [`${path}.${key}`, item] as const);
  for (const [childPath, item] of entries) {
    const found = problem(item, childPath, seen);
    if (found) return found;
  }
  seen.delete(object);
  return undefined;
}

/** Throws InvalidEventPayload for the first event whose id, type, data or metadata cannot be stored. */
export function validateEventsForAppend(stream: string, events: readonly EventToAppend[]): void {
  for (const event of events) {
    const type = typeof event.type === 'string' ? event.type : String(event.type);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new InvalidEventPayload(stream, type, 'type', 'must be a non-empty string');
    }
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidEventPayload(stream, type, 'id', `must be a uuid, got ${String(event.id)}`);
    }
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new InvalidEventPayload(stream, type, 'data', 'must be a JSON object');
    }
    const found =
      problem(data, 'data', new Set()) ??
      (event.metadata === undefined ? undefined : problem(event.metadata, 'metadata', new Set()));
    if (found) throw new InvalidEventPayload(stream, type, found[0], found[1]);
  }
}
