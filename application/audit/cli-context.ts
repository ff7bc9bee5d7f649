import { hostname, userInfo } from 'node:os';
import { Kysely, PostgresDialect } from 'kysely';
import { pino } from 'pino';
import { type AccessEntry, createAccessLog } from '../../infra/audit/access-log.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import { loadConfig } from '../../infra/config.ts';
import { createEventStore } from '../../infra/eventstore/create-store.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Logger } from '../../infra/logger.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { decryptor } from '../../infra/privacy/with-personal-data.ts';

export type CliContext = {
  /** The log as stored (personal fields encrypted, old shapes as written): what `verify` proves. */
  store: EventStore;
  /**
   * The log as every role reads it (composeStore: decrypted, erased fields "[erased]", upcast): what
   * `stream` and `state` print, as the audit API does.
   */
  reader: EventStore;
  /** Decrypts personal fields of events read from `store` (as stored: encrypted). */
  decrypt: (events: RecordedEvent[]) => Promise<RecordedEvent[]>;
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  db: Kysely<any>;
  logger: Logger;
  /** Records this invocation in the audit-access log (channel `cli`, the OS user, this host). */
  recordAccess(path: string, query: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
};

/** The event store (PostgreSQL or EventStoreDB by config), the read-model database and the access log. */
export async function openCliContext(env: NodeJS.ProcessEnv): Promise<CliContext> {
  const config = loadConfig(env);
  // Logs go to stderr so stdout carries only the report.
  const logger = pino({ name: 'audit', level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: 4,
    applicationName: 'audit-cli',
    logger,
  });
  const { store } = await createEventStore(config, logger);
  const personalData = await openPersonalData({
    connectionString: config.DATABASE_URL,
    config,
    logger,
    poolSize: 1,
  });
  await migrateAudit(pool, logger);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const accessLog = createAccessLog(db);
  const who = env.AUDIT_USER ?? env.USER ?? safeUser();
  return {
    store,
    reader: composeStore(store, { logger, personalData }),
    decrypt: decryptor(personalData.keys),
    db,
    logger,
    async recordAccess(path, query) {
      const entry: AccessEntry = {
        userId: who,
        role: null,
        allowed: true,
        channel: 'cli',
        method: 'CLI',
        path,
        query,
        ip: hostname(),
        userAgent: `bin/audit pid ${process.pid}`,
        requestId: null,
      };
      await accessLog.record(entry);
    },
    async close() {
      await store.close();
      await personalData.close();
      await db.destroy();
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
