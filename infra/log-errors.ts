import pg from 'pg';

/** An error as a log line shows it (the logger's `err` serializer). */
export type LoggedError = {
  type: string;
  message?: string;
  code?: string | number;
  /** Where it was thrown: the first frame of its stack, never the stack. */
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

const firstFrame = (stack: unknown) => {
  if (typeof stack !== 'string') return undefined;
  const frame = stack.split('\n').find((line) => line.trimStart().startsWith('at '));
  return frame?.trim().slice(3);
};

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * What a log line says of an error: its type, message, code and where it was thrown, and as much of its
 * cause (or an AggregateError's errors) again. No stack trace reaches a line, nor a driver's extra
 * fields. A PostgreSQL error keeps its SQLSTATE and the names of what refused but not its message, detail,
 * hint, `where` or internal query: those quote SQL and the values of rows (`invalid input syntax for type
 * uuid: "<the input>"`, `Key (email)=(...) already exists`). The query's span keeps the message for tracing.
 */
export function errorForLog(error: unknown, depth = 0): LoggedError | unknown {
  // A text logged as `err` (many lines log a message alone) stays; a cause that is not an Error says its kind.
  if (!(error instanceof Error)) return depth === 0 ? error : { type: typeof error };
  const logged: LoggedError = { type: error.constructor?.name || error.name || 'Error' };
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') logged.code = code;
  if (error instanceof pg.DatabaseError) {
    for (const key of ['constraint', 'table', 'column', 'routine'] as const) {
      const value = text(error[key]);
      if (value) logged[key] = value;
    }
  } else if (error.message) {
    logged.message =
      error.message.length > MESSAGE_LIMIT ? `${error.message.slice(0, MESSAGE_LIMIT)}…` : error.message;
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
 * A call's arguments with an Error given first (`logger.error(error)`) moved under `err`, and its type as
 * the message when the call gives none: pino would otherwise write the error's message as the line's `msg`,
 * around the serializer above.
 */
export function errorFirstArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (!(first instanceof Error)) return args;
  return [{ err: first }, ...(rest.length > 0 ? rest : [first.constructor?.name || first.name || 'Error'])];
}
