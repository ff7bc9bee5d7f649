import type pg from 'pg';
import type { Counter, Gauge } from 'prom-client';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Logger } from '../../infra/logger.ts';
import { cartNow, type DueReminder, dropReminder, dueReminders } from './cart-reminders.ts';
import { issueToken, type JobDeps, loadRecipient } from './mail-jobs.ts';
import type { MailTransport } from './mail-transport.ts';
import { messageIdFor } from './message-id.ts';
import { renderMail } from './templates.ts';

export type ReminderLoopDeps = {
  pool: pg.Pool;
  store: EventStore;
  transport: MailTransport;
  jobDeps: JobDeps;
  from: string;
  publicBaseUrl: string;
  clock: () => Date;
  logger: Logger;
  sentMail: {
    handled(eventId: string, kind: string): Promise<boolean>;
    record(eventId: string, kind: string, messageId: string, status: string): Promise<unknown>;
    sent: Counter<'kind'>;
    failed: Counter<'kind'>;
    waiting: Gauge;
  };
  /** Reminders fire only while this holds (reminders on, and this instance holds the notifier's lease). */
  enabled(): boolean;
  /** A reminder due longer ago than this is not mailed (NOTIFIER_MAX_EVENT_AGE_HOURS, as for event mail). */
  maxAgeMs: number;
  pollMs: number;
};

/** Fires due abandoned-cart timers (notifier_cart_reminders) every `pollMs`. */
export function createReminderLoop(deps: ReminderLoopDeps) {
  // A due reminder is mailed once per arming change (sent-mail row keyed by that change's event id),
  // only while items remain and the customer accepts marketing mail, with a one-click unsubscribe link.
  async function fireReminder(reminder: DueReminder, signal: AbortSignal) {
    const kind = 'cart_reminder';
    const messageId = messageIdFor(reminder.armed_by, kind, deps.from);
    const cart = await cartNow(deps.store, reminder.user_id);
    // Armed by a change the cart has moved past (the notifier fell behind and is reading older changes
    // again): superseded, not mailed; the newer change arms its own reminder when the notifier reads it.
    if (cart.newestChange !== reminder.armed_by) {
      await dropReminder(deps.pool, reminder);
      return;
    }
    if (!(await deps.sentMail.handled(reminder.armed_by, kind))) {
      // A notifier started over an old log does not remind carts of long ago.
      const stale = deps.clock().getTime() - reminder.due_at.getTime() > deps.maxAgeMs;
      const recipient = stale ? undefined : await loadRecipient(deps.store, reminder.user_id);
      const items = recipient?.marketingEmails ? cart.items : 0;
      if (!recipient || items === 0) {
        await deps.sentMail.record(reminder.armed_by, kind, messageId, 'skipped');
      } else {
        deps.sentMail.waiting.inc();
        try {
          const token = await issueToken(
            deps.jobDeps,
            { id: reminder.armed_by, metadata: {} },
            reminder.user_id,
            'unsubscribe',
          );
          const unsubscribe = `${deps.publicBaseUrl}/api/v1/users/unsubscribe?token=${token}`;
          const rendered = renderMail({
            kind,
            firstName: recipient.firstName,
            itemCount: items,
            cartLink: `${deps.publicBaseUrl}/cart`,
            unsubscribeLink: unsubscribe,
          });
          const outcome = await deps.transport.send(
            {
              ...rendered,
              to: recipient.email,
              from: deps.from,
              messageId,
              fileName: `${deps.clock().toISOString().replace(/[:.]/g, '-')}-${kind}-${reminder.armed_by}.eml`,
              headers: { 'List-Unsubscribe': `<${unsubscribe}>` },
            },
            signal,
          );
          await deps.sentMail.record(reminder.armed_by, kind, messageId, outcome);
          (outcome === 'sent' ? deps.sentMail.sent : deps.sentMail.failed).inc({ kind });
          deps.logger.info({ eventId: reminder.armed_by, kind, outcome }, 'mail handled');
        } finally {
          deps.sentMail.waiting.dec();
        }
      }
    }
    await dropReminder(deps.pool, reminder);
  }
  const reminders = new AbortController();
  let polling: Promise<void> | undefined;
  const pollReminders = () => {
    // Only the instance holding the lease fires reminders (one sender at a time).
    if (polling || !deps.enabled()) return;
    // Lost the lease (or stopped) meanwhile: the reminder under way stops waiting for the SMTP server and
    // the rest are left to the new holder, so two instances never both wait to send the same one.
    const disabled = new AbortController();
    const signal = AbortSignal.any([reminders.signal, disabled.signal]);
    const watch = setInterval(
      () => {
        if (!deps.enabled()) disabled.abort();
      },
      Math.min(deps.pollMs, 250),
    );
    polling = (async () => {
      for (const reminder of await dueReminders(deps.pool, deps.clock())) {
        if (signal.aborted) return;
        await fireReminder(reminder, signal);
      }
    })()
      .catch((error: unknown) => {
        if (!signal.aborted) deps.logger.warn({ err: error }, 'cart reminders failed; retried');
      })
      .finally(() => {
        clearInterval(watch);
        polling = undefined;
      });
  };

  let poll: NodeJS.Timeout | undefined;
  return {
    start() {
      poll = setInterval(pollReminders, deps.pollMs);
      poll.unref();
    },
    async stop() {
      clearInterval(poll);
      reminders.abort();
      await polling;
    },
  };
}
