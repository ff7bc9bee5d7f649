import type pg from 'pg';
import {
  createProjectionRunner,
  type ProjectionRunner,
  type RunnerDeps,
  type RunnerOptions,
} from '../../application/projection-runner/runner.ts';
import type { OutboundProjection, ProjectionStatus } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { loadMigrations, runMigrations } from '../../infra/postgres/migrations.ts';
import { cartChangeTypes, cartEndTypes, trackCartEvent } from './cart-reminders.ts';
import { type JobDeps, jobsFor, loadRecipient, notifiedEventTypes } from './mail-jobs.ts';
import type { MailTransport, TransportStatus } from './mail-transport.ts';
import { messageIdFor } from './message-id.ts';
import { createReminderLoop } from './reminder-loop.ts';
import { renderMail } from './templates.ts';

export { messageIdFor };

export async function migrateNotifier(pool: pg.Pool) {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'notifier', migrations });
}

export type NotifierOptions = {
  deps: RunnerDeps;
  pool: pg.Pool;
  transport: MailTransport;
  from: string;
  publicBaseUrl: string;
  /** Events older than this are recorded as skipped, not mailed (a first start over old history). */
  maxEventAgeMs?: number;
  name?: string;
  clock?: () => Date;
  runner?: RunnerOptions;
  /** How often SMTP is probed for /ready (default 10 s). */
  probeMs?: number;
  /** ABANDONED_CART_AFTER_HOURS in ms: the reminder after a customer's last cart change. Unset: no reminders. */
  cartReminderAfterMs?: number;
  /** How often due cart reminders are looked for (default 1 s). */
  reminderPollMs?: number;
};

export type Notifier = {
  start(): void;
  stop(): Promise<void>;
  status(): ProjectionStatus & { transport: TransportStatus };
  /** For /ready: throws while SMTP is unreachable or the runner is not running. */
  check(): Promise<void>;
  /** /ready without a round trip: the last known SMTP state (probed every `probeMs` while idle). */
  ready(): { ok: boolean; status: unknown };
  waitFor(position: Position, timeoutMs: number): Promise<boolean>;
  readonly runner: ProjectionRunner;
};

const isCartEvent = (type: string) =>
  (cartChangeTypes as readonly string[]).includes(type) || (cartEndTypes as readonly string[]).includes(type);

const fileNameFor = (event: RecordedEvent, kind: string) =>
  `${event.recordedAt.toISOString().replace(/[:.]/g, '-')}-${kind}-${event.id}.eml`;

/**
 * The notifier: an outbound projection on the projection runner (lease, checkpoint, dead letters),
 * like the Kafka publisher. For each event it mails what the event calls for; each (event, kind) is
 * recorded in notifier_sent_mail after the SMTP server accepted it and before the checkpoint moves,
 * so a restart skips what was sent. See docs/notifications.md.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { deps, pool, transport } = options;
  const clock = options.clock ?? (() => new Date());
  const logger = deps.logger.child({ component: 'notifier' });
  // mail_sent_total, mail_failed_total, mail_waiting: in the process's one registry.
  const { mailSent: sent, mailFailed: failed, mailWaiting: waiting } = deps.metrics;
  const jobDeps: JobDeps = { store: deps.store, publicBaseUrl: options.publicBaseUrl, clock };
  const maxAge = options.maxEventAgeMs ?? 72 * 3_600_000;

  const handled = async (eventId: string, kind: string) =>
    (await pool.query('SELECT 1 FROM notifier_sent_mail WHERE event_id = $1 AND kind = $2', [eventId, kind]))
      .rowCount! > 0;
  const record = (eventId: string, kind: string, messageId: string, status: string) =>
    pool.query(
      `INSERT INTO notifier_sent_mail (event_id, kind, message_id, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id, kind) DO NOTHING`,
      [eventId, kind, messageId, status],
    );

  async function deliverEvent(event: RecordedEvent, signal: AbortSignal) {
    if (isCartEvent(event.type)) {
      if (options.cartReminderAfterMs !== undefined)
        await trackCartEvent(pool, event, options.cartReminderAfterMs);
      return;
    }
    for (const job of await jobsFor(jobDeps, event)) {
      if (await handled(event.id, job.kind)) continue;
      const messageId = messageIdFor(event.id, job.kind, options.from);
      const recipient = await loadRecipient(deps.store, job.userId);
      const tooOld = clock().getTime() - event.recordedAt.getTime() > maxAge;
      if (!recipient || tooOld || (job.wanted && !job.wanted(recipient))) {
        await record(event.id, job.kind, messageId, 'skipped');
        continue;
      }
      waiting.inc();
      try {
        const rendered = renderMail(await job.template(recipient));
        const outcome = await transport.send(
          {
            ...rendered,
            to: recipient.email,
            from: options.from,
            messageId,
            fileName: fileNameFor(event, job.kind),
          },
          signal,
        );
        await record(event.id, job.kind, messageId, outcome);
        (outcome === 'sent' ? sent : failed).inc({ kind: job.kind });
        logger.info({ eventId: event.id, kind: job.kind, outcome }, 'mail handled');
      } finally {
        waiting.dec();
      }
    }
  }

  const reminderLoop = createReminderLoop({
    pool,
    store: deps.store,
    transport,
    jobDeps,
    from: options.from,
    publicBaseUrl: options.publicBaseUrl,
    clock,
    logger,
    sentMail: { handled, record, sent, failed, waiting },
    // Live only: while catching up, each older change of a cart re-arms its reminder, already due, and
    // firing them then mailed one per change. Caught up, each cart's newest arming is the one left.
    enabled: () => options.cartReminderAfterMs !== undefined && runner.status().state === 'live',
    maxAgeMs: maxAge,
    pollMs: options.reminderPollMs ?? 1_000,
  });

  const projection: OutboundProjection<readonly RecordedEvent[]> = {
    kind: 'outbound',
    name: options.name ?? 'notifier',
    eventTypes: [...notifiedEventTypes, ...cartChangeTypes, ...cartEndTypes],
    prepare: (events) => events,
    async deliver(events, signal) {
      for (const event of events) await deliverEvent(event, signal);
    },
  };
  const runner = createProjectionRunner(projection, deps, { batchSize: 50, ...options.runner });
  const running = () => ['live', 'catching-up', 'waiting-for-lease'].includes(runner.status().state);
  let probe: NodeJS.Timeout | undefined;
  return {
    runner,
    start() {
      runner.start();
      void transport.check().catch(() => {});
      probe = setInterval(() => void transport.check().catch(() => {}), options.probeMs ?? 10_000);
      probe.unref();
      reminderLoop.start();
    },
    async stop() {
      clearInterval(probe);
      await reminderLoop.stop();
      await runner.stop();
      transport.close();
    },
    ready() {
      const status = { ...runner.status(), transport: transport.status() };
      return { ok: running() && status.transport.smtp !== 'unavailable', status };
    },
    status: () => ({ ...runner.status(), transport: transport.status() }),
    async check() {
      if (!running()) throw new Error(`notifier ${runner.status().state}`);
      await transport.check();
    },
    waitFor: (position, timeoutMs) => runner.waitFor(position, timeoutMs),
  };
}
