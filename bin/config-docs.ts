import type { z } from 'zod';
import { configSchema } from '../infra/config.ts';

/**
 * What each environment variable does, for the configuration table in docs/operations.md. The
 * names and defaults come from infra/config.ts's schema; a variable added there without a line
 * here fails bin/config-docs.unit.test.ts, so the table cannot fall behind.
 */
export const configDescriptions: Record<string, string> = {
  NODE_ENV: '`production` requires a JWT secret or key pair and turns off pretty logs.',
  ROLES:
    'Comma-separated roles this process runs: `command-api`, `query-api`, `projections`, `process-manager`, `publisher`, `notifier`, or `all`.',
  HOST: 'Interface the HTTP ports bind to; `0.0.0.0` in containers.',
  COMMAND_API_PORT: 'Port of the command API.',
  QUERY_API_PORT: 'Port of the query API.',
  HEALTH_PORT:
    'Port of /health, /ready and /metrics in a process that runs neither API (projections, process-manager, publisher).',
  COMMAND_API_WORKERS:
    '`auto` (one per core, `os.availableParallelism()`) or a number: processes serving the command API on one port (node:cluster); /metrics on any of them reports the sum over all. 1 runs it in the main process. The projections, process manager, publisher and notifier always stay single, in the main process.',
  QUERY_API_WORKERS:
    '`auto` (one per core) or a number: processes serving the query API, as COMMAND_API_WORKERS.',
  WORKER_PG_POOL_SIZE:
    'PostgreSQL connections of each pool (event store, read models) in one API worker. With the defaults on 2 cores (2 command + 2 query workers) `npm start` holds at most 26 + 4 × (2 × 2 + 3) = 54 connections; see "Sizing PostgreSQL connections" in docs/operations.md.',
  DATABASE_URL:
    'PostgreSQL: the event store (unless EVENTSTORE_CONNECTION_STRING is set), read models, checkpoints, timers.',
  REDIS_URL: 'Redis: sessions and token revocation, rate limits, idempotency keys, Redis read models.',
  REDIS_PREFIX:
    'Namespace of every Redis key and pub/sub channel of this deployment (several deployments may share one Redis server); unset = the database name of DATABASE_URL followed by `:`.',
  EVENTSTORE_CONNECTION_STRING:
    'When set (e.g. `esdb://eventstore:2113?tls=false`), events live in EventStoreDB instead of PostgreSQL.',
  KAFKA_BROKERS:
    'Comma-separated `host:port` list; when unset the publisher role does not publish and the query API emits no product views.',
  KAFKA_PARTITIONS:
    'Partitions of each integration topic when the publisher creates it (an existing topic is left as it is).',
  KAFKA_REPLICATION_FACTOR:
    'Replication factor of the topics the publisher creates (3 on a production cluster).',
  KAFKA_TOPIC_PREFIX:
    'Prefix of the topic names (e.g. `staging.`), for several environments on one cluster: letters, digits, `.`, `_`, `-`.',
  KAFKA_PUBLISHER_BATCH_SIZE: 'Most domain events per Kafka send while the publisher catches up.',
  BOOTSTRAP_ADMIN_EMAIL: 'With BOOTSTRAP_ADMIN_PASSWORD: the first admin, created at start if absent.',
  BOOTSTRAP_ADMIN_PASSWORD: 'With BOOTSTRAP_ADMIN_EMAIL (set both or neither). Never logged.',
  RESERVATION_TTL_SECONDS: 'How long a checkout reservation holds stock before it expires.',
  SNAPSHOT_EVERY:
    'Events between snapshots of a stock, product or category-tree stream (docs/snapshots.md); 0 turns snapshots off.',
  CONSISTENCY_WAIT_MS: 'How long the query API waits for a read model to reach an X-Consistency-Token.',
  TAX_RATE: 'Tax rate applied to the subtotal (half-even rounding).',
  SHIPPING_FLAT: 'Flat shipping charge below FREE_SHIPPING_OVER.',
  FREE_SHIPPING_OVER: 'Subtotal from which shipping is free.',
  TIER_THRESHOLDS:
    'Lifetime confirmed spend (major units) from which a customer earns each tier (docs/pricing.md).',
  RATE_LIMIT_AUTH_PER_MIN: 'Login/register attempts per minute per IP and email (0 turns the limit off).',
  RATE_LIMIT_CHECKOUT_PER_MIN: 'Checkout requests per minute per user (0 turns the limit off).',
  RATE_LIMIT_GENERAL_PER_MIN: 'Requests per minute per user or IP (0 turns the limit off).',
  RATE_LIMIT_QUERY_PER_MIN:
    'Query API requests under /api/v1 per minute per IP (0 turns the limit off); /health, /ready and /metrics are not limited.',
  JWT_SECRET:
    'HS256 signing secret for access and refresh tokens; required in production unless a key pair is set.',
  JWT_PRIVATE_KEY:
    'PEM private key (with JWT_PUBLIC_KEY): tokens are signed RS256 or ES256 instead of HS256.',
  JWT_PUBLIC_KEY: 'PEM public key matching JWT_PRIVATE_KEY.',
  DATA_ENCRYPTION_KEY:
    "Master key of personal data (32 bytes as 64 hex digits or base64): wraps each person's data key. Required in production; elsewhere a public development key is used with a warning. A wrong key refuses to start. Rotate with `npm run keys -- rotate` (docs/privacy.md).",
  CORS_ORIGINS: 'Comma-separated origins allowed by CORS; empty allows none.',
  REQUIRE_VERIFIED_EMAIL:
    '`true`: POST /orders refuses a customer whose email is not verified (403 AUTH_1005).',
  SMTP_URL:
    'SMTP server the notifier sends through (`smtp://user:pass@host:587`, `smtps://…`); unset: mail is written as `.eml` files under `MAIL_DIR`.',
  MAIL_DIR: 'Folder of the `.eml` files when `SMTP_URL` is unset (docs/notifications.md).',
  MAIL_FROM: 'From address of every mail; its domain ends each Message-ID.',
  PUBLIC_BASE_URL: 'Base of the links in mail (verification, reset, cart, unsubscribe).',
  VERIFY_RESEND_PER_HOUR:
    'Verification resends per customer per hour; beyond it 429 RATE_4291. `0` turns the limit off.',
  NOTIFIER_MAX_EVENT_AGE_HOURS:
    'Events older than this are not mailed (recorded as skipped): a first start over old history sends nothing stale.',
  GUEST_CART_TTL_DAYS:
    'Days without a change before a guest cart expires (CartExpired, by a process-manager timer; fractions allowed). docs/cart-lifetime.md.',
  CART_TTL_DAYS:
    "Days without a change before a customer's cart expires (CartExpired, by a process-manager timer; fractions allowed). docs/cart-lifetime.md.",
  ABANDONED_CART_AFTER_HOURS:
    'Hours after the last cart change before the reminder mail (fractions allowed).',
  LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace or silent.',
};

/** Read by the OpenTelemetry SDK (infra/telemetry/sdk.ts), not by the config schema. */
export const telemetryVariables: [string, string, string][] = [
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    '(unset)',
    'Collector URL; spans are exported by OTLP only when this is set.',
  ],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', '`http/protobuf`', '`http/protobuf`, `http/json` or `grpc`.'],
  [
    'OTEL_SERVICE_NAME',
    '`shop-<role>`',
    'Service name on spans; default from ROLES (`shop` for several roles).',
  ],
  [
    'OTEL_TRACES_SAMPLER',
    '`parentbased_always_on`',
    'Sampling, e.g. `parentbased_traceidratio` with OTEL_TRACES_SAMPLER_ARG.',
  ],
  ['OTEL_SDK_DISABLED', '`false`', '`true` turns tracing off altogether (no trace ids in logs or events).'],
];

type Def = { type: string; defaultValue?: unknown; in?: z.ZodType; innerType?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The default a variable takes when unset, as it would be written in the environment. */
export function defaultText(schema: z.ZodType): string | undefined {
  const def = defOf(schema);
  if (def.type === 'default') {
    const value = typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue;
    return String(value);
  }
  if (def.type === 'pipe' && def.in) return defaultText(def.in);
  return undefined;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The markdown configuration table, one row per variable of the schema, in schema order. */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([name, schema]) => {
    const fallback = defaultText(schema as z.ZodType);
    const shown = fallback === undefined ? '(unset)' : fallback === '' ? '(empty)' : `\`${fallback}\``;
    return `| \`${name}\` | ${cell(shown)} | ${cell(configDescriptions[name] ?? '')} |`;
  });
  const otel = telemetryVariables.map(
    ([name, fallback, text]) => `| \`${name}\` | ${fallback} | ${cell(text)} |`,
  );
  return ['| Variable | Default | What it does |', '|---|---|---|', ...rows, ...otel].join('\n');
}

export const tableStart = '<!-- config-table:start (generated by `npm run docs:config`; do not edit) -->';
export const tableEnd = '<!-- config-table:end -->';

/** The document with the text between the markers replaced by the current table. */
export function withConfigTable(document: string): string {
  const start = document.indexOf(tableStart);
  const end = document.indexOf(tableEnd);
  if (start === -1 || end < start) throw new Error('docs/operations.md has no config-table markers');
  return `${document.slice(0, start + tableStart.length)}\n${configTable()}\n${document.slice(end)}`;
}
