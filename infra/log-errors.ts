import pg from 'pg';

/** An error as a log line shows it (the logger's `err` serializer). */
export type LoggedError = {
  type: string;
  /** The error's own name where it differs from its type (`AbortError` on an Error). */
  name?: string;
  message?: string;
  code?: string | number;
  /** Where it was thrown: the first frame of our code in its stack (else its first), never the stack. */
  at?: string;
  /** PostgreSQL's names for what refused (a SQLSTATE says why). */
  constraint?: string;
  table?: string;
  column?: string;
  routine?: string;
  cause?: LoggedError;
  errors?: LoggedError[];
};

const MESSAGE_LIMIT = 300;
const DEPTH_LIMIT = 3;

/** The first frame of our own code (a library's own frames say little: pg rebuilds its errors' stacks). */
const firstFrame = (stack: unknown) => {
  if (typeof stack !== 'string') return undefined;
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .map((line) => line.slice(3));
  return frames.find((frame) => !/node_modules|node:|\(native\)/.test(frame)) ?? frames[0];
};

const typeOf = (error: Error) => error.constructor?.name || error.name || 'Error';

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** V8 quotes the text JSON.parse refused (`Unexpected token 'b', "bob@example.com" is not valid JSON`). */
const QUOTED_JSON_INPUT = /(?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/;

const messageOf = (error: Error) => {
  const message =
    error instanceof SyntaxError
      ? error.message.replace(QUOTED_JSON_INPUT, '(input not shown) is not valid JSON')
      : error.message;
  return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
};

/**
 * What a log line says of an error: its type, message, code and where it was thrown, and as much of its
 * cause (or an AggregateError's errors) again. No stack trace reaches a line, nor a driver's extra
 * fields. A PostgreSQL error keeps its SQLSTATE and the names of what refused but not its message, detail,
 * hint, `where` or internal query: those quote SQL and the values of rows (`invalid input syntax for type
 * uuid: "<the input>"`, `Key (email)=(...) already exists`), nor the text JSON.parse quotes when it refuses
 * one. A failed query's span keeps no message either (infra/telemetry/pg-instrumentation.ts).
 */
export function errorForLog(error: unknown, depth = 0): LoggedError | unknown {
  // A text logged as `err` (many lines log a message alone) stays; a cause that is not an Error says its kind.
  if (!(error instanceof Error)) return depth === 0 ? error : { type: typeof error };
  const logged: LoggedError = { type: typeOf(error) };
  // pg names its errors `error` (the protocol's message type): no news.
  if (error.name && error.name !== logged.type && error.name.toLowerCase() !== 'error')
    logged.name = error.name;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') logged.code = code;
  if (error instanceof pg.DatabaseError) {
    for (const key of ['constraint', 'table', 'column', 'routine'] as const) {
      const value = text(error[key]);
      if (value) logged[key] = value;
    }
  } else if (error.message) {
    logged.message = messageOf(error);
  }
  const at = firstFrame(error.stack);
  if (at) logged.at = at;
  if (depth < DEPTH_LIMIT) {
    if (error.cause !== undefined) logged.cause = errorForLog(error.cause, depth + 1) as LoggedError;
    if (error instanceof AggregateError)
      logged.errors = error.errors.slice(0, 5).map((inner) => errorForLog(inner, depth + 1) as LoggedError);
  }
  return logged;
}

/**
 * A call's arguments with its error's message kept out of `msg`: pino makes an error's message the line's
 * `msg` when the call gives none, for an Error given first (`logger.error(error)`, moved under `err` here)
 * and for fields with `err` (`logger.warn({ err })`). The error's type is the message then, and the
 * serializer above says the rest.
 */
export function errorArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) return [{ err: first }, ...(rest.length > 0 ? rest : [typeOf(first)])];
  if (rest.length > 0 || typeof first !== 'object' || first === null) return args;
  const { err, msg } = first as { err?: unknown; msg?: unknown };
  return err instanceof Error && msg === undefined ? [first, typeOf(err)] : args;
}

/**
 * An error as one line of text, by the rules of `errorForLog`, for what leaves the process outside a log
 * line to where operators read it: a span's status and exception event (a collector keeps them), a dead
 * letter's `error` (kept at rest, and personal data at rest is encrypted), a worker's answer to the
 * cluster's metrics collection (what any client may read says only `errorKind`).
 * `DatabaseError 22P02 (routine string_to_uuid)` for PostgreSQL; `TypeError: the store is closed; cause:
 * Error ECONNREFUSED: connect ECONNREFUSED …` otherwise.
 */
export function describeError(error: unknown): string {
  // Something thrown that is not an Error says its kind only: a thrown text may quote anything.
  if (!(error instanceof Error)) return `thrown ${typeof error}`;
  return describeLogged(errorForLog(error) as LoggedError);
}

/**
 * What kind of error it was, for an answer anyone may read (/ready, a failed /metrics scrape): type, name
 * and code, and its cause's, never a message, which may hold an internal address, a path or quoted input.
 * `AggregateError ECONNREFUSED`, `DatabaseError 57P01`, `Error (TimeoutError)`. The log line written beside
 * it says the rest (describeError's line, with messages).
 */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${typeof error}`;
  return kindOf(errorForLog(error) as LoggedError);
}

const headOf = (logged: LoggedError) =>
  [logged.type, logged.name && `(${logged.name})`, logged.code].filter(Boolean).join(' ');

function kindOf(logged: LoggedError): string {
  return logged.cause ? `${headOf(logged)}; cause: ${kindOf(logged.cause)}` : headOf(logged);
}

function describeLogged(logged: LoggedError): string {
  const head = headOf(logged);
  const names = (['constraint', 'table', 'column', 'routine'] as const)
    .filter((key) => logged[key])
    .map((key) => `${key} ${logged[key]}`);
  let line = names.length > 0 ? `${head} (${names.join(', ')})` : head;
  if (logged.message) line += `: ${logged.message}`;
  if (logged.cause) line += `; cause: ${describeLogged(logged.cause)}`;
  return line;
}
