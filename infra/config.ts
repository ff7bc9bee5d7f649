import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseTierThresholds } from '../domain/pricing/earned-tiers.ts';
import { parseRate } from '../domain/shared/money.ts';
import { lifecycleConfig } from './lifecycle-config.ts';

export const roles = [
  'command-api',
  'query-api',
  'projections',
  'process-manager',
  'publisher',
  'notifier',
] as const;
export type Role = (typeof roles)[number];

const port = z.coerce.number().int().min(0).max(65535);
const perMinute = z.coerce.number().int().min(0);
/** `auto` (one per core, the default) or a whole number of processes; 1 serves the API from the main process. */
const workerCount = z
  .string()
  .default('auto')
  .transform((text, ctx) => {
    if (text.trim() === 'auto') return availableParallelism();
    const count = Number(text);
    if (Number.isInteger(count) && count >= 1 && count <= 64) return count;
    ctx.addIssue({ code: 'custom', message: '`auto` or a whole number from 1 to 64' });
    return z.NEVER;
  });
const decimalText = z.string().regex(/^\d+(\.\d{1,6})?$/, 'a decimal number such as 0.08');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** Every environment variable the system reads, with defaults that work on a development machine. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  ROLES: z
    .string()
    .default('all')
    .transform((text, ctx) => {
      if (text.trim() === 'all') return [...roles];
      const picked = text
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      const unknown = picked.filter((r) => !(roles as readonly string[]).includes(r));
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `unknown role(s) ${unknown.join(', ')}; known: ${roles.join(', ')}`,
        });
      return picked as Role[];
    }),
  HOST: z.string().default('127.0.0.1'),
  COMMAND_API_PORT: port.default(3001),
  QUERY_API_PORT: port.default(3002),
  /** /health, /ready and /metrics of a process that runs neither API (projections, process-manager, publisher). */
  HEALTH_PORT: port.default(3003),
  /** Processes serving the command API (node:cluster); the singleton roles stay in the primary. */
  COMMAND_API_WORKERS: workerCount,
  QUERY_API_WORKERS: workerCount,
  /** Each pool's size (event store, read models) in one API worker process (docs/operations.md, sizing). */
  WORKER_PG_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(2),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/shop'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Namespace of this deployment's keys and channels; unset = the database name of DATABASE_URL plus `:`. */
  REDIS_PREFIX: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9._:-]+$/.test(v), {
    message: 'letters, digits, dot, colon, underscore, dash',
  }),
  EVENTSTORE_CONNECTION_STRING: optionalText,
  KAFKA_BROKERS: optionalText,
  /** Partitions of each integration topic when the publisher creates it. */
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore, dash')
    .default(''),
  KAFKA_PUBLISHER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1_000),
  BOOTSTRAP_ADMIN_EMAIL: optionalText,
  BOOTSTRAP_ADMIN_PASSWORD: optionalText,
  RESERVATION_TTL_SECONDS: z.coerce.number().int().positive().default(600),
  CONSISTENCY_WAIT_MS: z.coerce.number().int().min(0).default(2000),
  SNAPSHOT_EVERY: z.coerce.number().int().min(0).default(500),
  TAX_RATE: decimalText.default('0.08').transform(parseRate),
  SHIPPING_FLAT: decimalText.default('10.00'),
  FREE_SHIPPING_OVER: decimalText.default('100.00'),
  TIER_THRESHOLDS: z
    .string()
    .default('silver:1000,gold:5000,platinum:20000')
    .transform((text, ctx) => {
      try {
        return parseTierThresholds(text);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be like silver:1000,gold:5000,platinum:20000, rising',
        });
        return z.NEVER;
      }
    }),
  RATE_LIMIT_AUTH_PER_MIN: perMinute.default(5),
  RATE_LIMIT_CHECKOUT_PER_MIN: perMinute.default(10),
  RATE_LIMIT_GENERAL_PER_MIN: perMinute.default(100),
  RATE_LIMIT_QUERY_PER_MIN: perMinute.default(600),
  JWT_SECRET: optionalText,
  JWT_PRIVATE_KEY: optionalText,
  JWT_PUBLIC_KEY: optionalText,
  /** Master key of personal data (32 bytes, hex or base64); required in production (docs/privacy.md). */
  DATA_ENCRYPTION_KEY: optionalText,
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  ...lifecycleConfig,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Raised at start-up with every bad variable listed in one message. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  const config = result.data;
  const problems: string[] = [];
  if (
    config.NODE_ENV === 'production' &&
    !config.JWT_SECRET &&
    !(config.JWT_PRIVATE_KEY && config.JWT_PUBLIC_KEY)
  ) {
    problems.push('JWT_SECRET or JWT_PRIVATE_KEY/JWT_PUBLIC_KEY: required in production');
  }
  if (config.NODE_ENV === 'production' && !config.DATA_ENCRYPTION_KEY) {
    problems.push('DATA_ENCRYPTION_KEY: required in production (32 bytes, hex or base64)');
  }
  if (Boolean(config.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(config.BOOTSTRAP_ADMIN_PASSWORD)) {
    problems.push('BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * What a process running `roles` needs beyond what every process does (bin/start refuses to start
 * without it; a CLI such as bin/replay runs no role and needs none of it).
 */
export function problemsForRoles(config: Config, roles: Iterable<Role>): string[] {
  const problems: string[] = [];
  if (config.NODE_ENV === 'production' && new Set(roles).has('notifier') && !config.SMTP_URL)
    problems.push(
      'SMTP_URL: required in production where the notifier runs (without it, mail is written as plain ' +
        '.eml files under MAIL_DIR, with the addresses and the live links it carries)',
    );
  return problems;
}
