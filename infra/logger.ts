import { type Logger, pino } from 'pino';
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

/** JSON logs; pretty only when stdout is a terminal. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    name: options.name,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    // Lines written inside a traced span carry trace_id and span_id, so logs and traces meet.
    mixin: traceLogMixin,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
