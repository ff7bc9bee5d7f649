import { type ParsedMail, simpleParser } from 'mailparser';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import type { RunnerDeps, RunnerOptions } from '../../application/projection-runner/runner.ts';
import { commandApiContext, createCommandApi } from '../../command-api/app.ts';
import { bootstrapAdmin } from '../../command-api/identity/bootstrap-admin.ts';
import { loadConfig } from '../../infra/config.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import { startTestServer } from '../../test/support/http.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { createReadModelDb } from '../read-model-db.ts';
import { createMailTransport } from './mail-transport.ts';
import { createNotifier, migrateNotifier } from './notifier.ts';

/** A real SMTP server for tests (smtp-server), keeping every message it accepts, parsed (mailparser). */
export async function startMailServer(port = 0) {
  const received: ParsedMail[] = [];
  let server: SMTPServer | undefined;
  let boundPort = port;
  const listen = async () => {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      closeTimeout: 500,
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            received.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(boundPort, '127.0.0.1', () => resolve());
    });
    const address = s.server.address();
    boundPort = typeof address === 'object' && address ? address.port : boundPort;
    server = s;
  };
  await listen();
  return {
    received,
    get port() {
      return boundPort;
    },
    /** Waits until `count` messages match `where`; returns them in arrival order. */
    async waitFor(where: (mail: ParsedMail) => boolean, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter(where);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} mail(s), got ${found.length} of ${received.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    /** Listens again on the same port. */
    start: listen,
  };
}
export type MailServer = Awaited<ReturnType<typeof startMailServer>>;

export const addressesOf = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address));
export const tokenIn = (mail: ParsedMail) => /token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1];

/**
 * The command API and the notifier on one test database, mailing to a real SMTP server of the test's
 * own. Rate limits off unless `env` turns them on.
 */
export async function startLifecycleWorld(label: string, env: Record<string, string> = {}) {
  const database = await createTestDatabase(label);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const store = composeStore(
    await createPostgresEventStore({ connectionString: database.url, poolSize: 4, pollIntervalMs: 50 }),
    { personalData: await openPersonalData({ connectionString: database.url, poolSize: 2 }) },
  );
  const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix(label) });
  const pool = createPool({ connectionString: database.url, max: 5, applicationName: 'lifecycle-test' });
  await migrateProjections(pool, logger);
  await migratePayments(pool, logger);
  await migrateNotifier(pool);
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'lifecycle-test-secret-0123456789abcdef',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const payments = createSandboxPaymentProvider({ pool });
  // The command API's clock can be moved forward (token expiry); the notifier keeps the real one.
  let shiftMs = 0;
  const clock = () => new Date(Date.now() + shiftMs);
  const options = { store, redis, config, logger, payments, clock };
  const http = await startTestServer(createCommandApi(options));
  const context = commandApiContext(options);
  const mail = await startMailServer();
  let deps: RunnerDeps = {
    store,
    db: createReadModelDb(pool, logger),
    leaseClientConfig: { connectionString: database.url },
    metrics: createMetrics({ runtime: false }),
    logger,
  };
  // The notifier's own clock, moved apart (a notifier started long after the events it reads).
  let notifierShiftMs = 0;
  const makeNotifier = (other?: { deps: RunnerDeps; runner?: RunnerOptions }) =>
    createNotifier({
      deps: other?.deps ?? deps,
      ...(other?.runner ? { runner: other.runner } : {}),
      pool,
      clock: () => new Date(Date.now() + notifierShiftMs),
      transport: createMailTransport({
        smtpUrl: `smtp://127.0.0.1:${mail.port}`,
        mailDir: 'unused',
        logger,
        backoff: { baseMs: 100, maxMs: 1_000 },
      }),
      from: 'Shop <no-reply@shop.test>',
      publicBaseUrl: 'http://shop.test',
      probeMs: 500,
      ...(env.ABANDONED_CART_AFTER_HOURS
        ? { cartReminderAfterMs: config.ABANDONED_CART_AFTER_HOURS * 3_600_000 }
        : {}),
      reminderPollMs: 200,
    });
  let notifier = makeNotifier();
  notifier.start();
  return {
    http,
    store,
    pool,
    mail,
    get notifier() {
      return notifier;
    },
    /** The notifier's metrics registry (a new one after each restart). */
    get registry() {
      return deps.metrics.registry;
    },
    /** Stops the notifier and starts a new one (a restart), optionally from the start of the log. */
    async restartNotifier(options: { fromScratch?: boolean } = {}) {
      await notifier.stop();
      if (options.fromScratch)
        await pool.query("UPDATE projection_checkpoints SET position = NULL WHERE projection = 'notifier'");
      deps = { ...deps, metrics: createMetrics({ runtime: false }) };
      notifier = makeNotifier();
      notifier.start();
    },
    config,
    shiftClock(ms: number) {
      shiftMs = ms;
    },
    shiftNotifierClock(ms: number) {
      notifierShiftMs = ms;
    },
    /**
     * A second notifier, as another process would run it: its own metrics and lease session (named by
     * `instanceId`), the same settings. Not started; the caller starts and stops it.
     */
    standbyNotifier(instanceId: string, runner?: RunnerOptions) {
      const metrics = createMetrics({ runtime: false });
      const notifier = makeNotifier({
        deps: { ...deps, metrics, instanceId },
        ...(runner ? { runner } : {}),
      });
      return { notifier, metrics };
    },
    /** Events in the log (to compare before and after a refused request). */
    async eventCount() {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
      return Number(rows[0]?.n);
    },
    async admin(email = 'admin@shop.test', password = 'Admin#Pass1') {
      await bootstrapAdmin(context, { email, password });
      const login = await answer(
        commandClient(http.url).POST('/api/v1/users/login', { body: { email, password } }),
      );
      if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
      return login.body.access_token;
    },
    async close() {
      await notifier.stop();
      await mail.stop();
      await http.close();
      await store.close();
      await pool.end();
      await deleteKeysWithPrefix(redis).catch(() => 0);
      redis.disconnect();
      await database.drop();
    },
  };
}
export type LifecycleWorld = Awaited<ReturnType<typeof startLifecycleWorld>>;
