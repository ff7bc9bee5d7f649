/**
 * Whether an error means a dependency (PostgreSQL, Redis, EventStoreDB) is saturated or unreachable
 * rather than that our code is wrong: the error handler answers those 503 SYS_5002 with Retry-After (the
 * client may retry shortly) instead of 500. Looks through `cause` and AggregateError's `errors`.
 */

// PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources: 53300 too many
// connections), 57P01-57P03 (shutting down, cannot connect now), 57014 (statement timeout under load).
const pgCodes = /^(08\d{3}|53\d{3}|57P0[1-3]|57014)$/;
// Socket-level failures while talking to any dependency.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// ioredis and EventStoreDB client error names.
const names = new Set([
  'MaxRetriesPerRequestError',
  'UnavailableError',
  'DeadlineExceededError',
  'NotLeaderError',
]);
// Messages of pg / pg-pool and ioredis that carry no code.
const messages = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /too many clients/i,
  /Connection is closed/i,
  /Stream isn't writeable/i,
  /Command timed out/i,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end/i,
];

export function isDependencyUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!(item instanceof Error) || seen.has(item)) continue;
    seen.add(item);
    const code = (item as { code?: unknown }).code;
    if (typeof code === 'string' && (pgCodes.test(code) || socketCodes.has(code))) return true;
    if (names.has(item.name)) return true;
    if (messages.some((pattern) => pattern.test(item.message))) return true;
    if (item.cause !== undefined) stack.push(item.cause);
    if (item instanceof AggregateError) stack.push(...item.errors);
  }
  return false;
}
