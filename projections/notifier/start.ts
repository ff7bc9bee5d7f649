import type pg from 'pg';
import type { RunnerDeps } from '../../application/projection-runner/runner.ts';
import type { Config } from '../../infra/config.ts';
import { createMailTransport } from './mail-transport.ts';
import { createNotifier, migrateNotifier, type Notifier } from './notifier.ts';

/** The notifier role of bin/start: mail over SMTP_URL, or .eml files under MAIL_DIR without it. */
export async function startNotifierRole(options: {
  config: Config;
  pool: pg.Pool;
  deps: RunnerDeps;
}): Promise<Notifier> {
  const { config, deps } = options;
  await migrateNotifier(options.pool);
  const transport = createMailTransport({
    smtpUrl: config.SMTP_URL,
    mailDir: config.MAIL_DIR,
    logger: deps.logger,
  });
  if (!config.SMTP_URL)
    deps.logger.info({ mailDir: config.MAIL_DIR }, 'SMTP_URL not set: mail is written as .eml files');
  const notifier = createNotifier({
    deps,
    pool: options.pool,
    transport,
    from: config.MAIL_FROM,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    maxEventAgeMs: config.NOTIFIER_MAX_EVENT_AGE_HOURS * 3_600_000,
    cartReminderAfterMs: config.ABANDONED_CART_AFTER_HOURS * 3_600_000,
  });
  notifier.start();
  return notifier;
}
