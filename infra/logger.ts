import { type DestinationStream, type Logger, pino } from 'pino';
import { errorArgs, errorForLog } from './log-errors.ts';
import { keyOncePerLine } from './log-keys.ts';
import { traceLogMixin } from './telemetry/log-context.ts';

export type { Logger };

/** Keys whose values never reach a log line, at any level. */
export const redactedPaths = [
  'password',
  '*.password',
  'password_hash',
  '*.password_hash',
  'passwordHash',
  '*.passwordHash',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** JSON logs; pretty only when stdout is a terminal. `destination` (tests): where the lines go instead. */
export function createLogger(
  options: { level?: string; name?: string; destination?: DestinationStream } = {},
): Logger {
  const keys = keyOncePerLine(redactedPaths, ['err']);
  const pretty = !options.destination && process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    name: options.name,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    // An error as type, message, code and where it was thrown: no stack, no SQL (infra/log-errors.ts).
    serializers: { err: errorForLog },
    // An error's message kept out of `msg` (infra/log-errors.ts), then a key once per line, whatever the
    // children and the calls repeat (infra/log-keys.ts).
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void) {
        keys.logMethod.call(this, errorArgs(args) as Parameters<Logger['info']>, method);
      },
    },
    // Lines written inside a traced span carry trace_id and span_id, so logs and traces meet.
    mixin: traceLogMixin,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  return keys.dedupeChildren(logger);
}
