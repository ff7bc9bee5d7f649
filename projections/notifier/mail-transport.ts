import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { backoffMs, sleep } from '../../application/projection-runner/failures.ts';
import { errorKind } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';

export type OutgoingMail = {
  to: string;
  from: string;
  /** Stable per (event, kind): a receiver seeing it twice keeps one. */
  messageId: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** The .eml name when mail goes to files. */
  fileName: string;
};

export type TransportStatus = {
  mode: 'smtp' | 'files';
  smtp: 'unknown' | 'connected' | 'unavailable';
  failures: number;
  lastError: string | undefined;
};

export type MailTransport = {
  /**
   * Resolves 'sent' once the server accepted the message (or the file is written), 'failed' when the
   * server refused this message for good (a 5xx to its recipient or content: retrying cannot help). A
   * server that is down, answers 4xx, or refuses the login or sender is retried with backoff for as long
   * as it takes; only `signal` ends the wait (AbortError).
   */
  send(mail: OutgoingMail, signal: AbortSignal): Promise<'sent' | 'failed'>;
  /** For /ready: throws while the SMTP server cannot be reached. */
  check(): Promise<void>;
  status(): TransportStatus;
  close(): void;
};

const aborted = () => Object.assign(new Error('notifier stopping'), { name: 'AbortError' });
// Never the message text: SMTP errors can quote the envelope (addresses), and the body holds tokens.
const describe = (error: unknown) => {
  const { responseCode } = error as { responseCode?: unknown };
  return responseCode === undefined ? errorKind(error) : `${errorKind(error)} ${String(responseCode)}`;
};

// Login refused, login required, an authentication mechanism refused: every message would be refused alike.
const loginCodes = new Set([530, 534, 535, 538]);

/**
 * A refusal of this message, for good: a 5xx answer to its recipient (RCPT TO) or its content (DATA), its
 * size or parameters (552, 555 to MAIL FROM), or nodemailer's own refusal of it. A 5xx to the login or
 * otherwise to the sender (a wrong password, a relay that wants a login, a sender it will not take)
 * refuses every message alike: that is waited out like an outage, so fixing the setting sends them all.
 * Waiting on a message that can never go would hold back all mail behind it.
 */
function refusedForGood(error: unknown): boolean {
  const {
    responseCode: code,
    command,
    code: kind,
  } = error as {
    responseCode?: unknown;
    command?: unknown;
    code?: unknown;
  };
  // Refused by nodemailer itself, before the server: larger than the server's SIZE, an empty message.
  if (kind === 'EMESSAGE' && code === undefined) return true;
  if (typeof code !== 'number' || code < 500 || code >= 600 || loginCodes.has(code)) return false;
  // To the sender: this message's size or parameters (552, 555); anything else there is the setting's.
  if (command === 'MAIL FROM') return code === 552 || code === 555;
  return command === 'RCPT TO' || command === 'DATA';
}

export function createMailTransport(options: {
  smtpUrl?: string | undefined;
  mailDir: string;
  logger: Logger;
  backoff?: { baseMs?: number; maxMs?: number };
}): MailTransport {
  const { logger } = options;
  const baseMs = options.backoff?.baseMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  const status: TransportStatus = {
    mode: options.smtpUrl ? 'smtp' : 'files',
    smtp: 'unknown',
    failures: 0,
    lastError: undefined,
  };
  const smtp = options.smtpUrl
    ? nodemailer.createTransport(options.smtpUrl, {
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 20_000,
      } as never)
    : undefined;
  const streaming = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  const message = (mail: OutgoingMail) => ({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    headers: mail.headers ?? {},
  });

  async function writeFileMail(mail: OutgoingMail) {
    const info = (await streaming.sendMail(message(mail))) as { message: Buffer };
    await mkdir(options.mailDir, { recursive: true });
    // Write then rename: a reader never sees half a message, and a resend replaces the same file.
    const target = join(options.mailDir, mail.fileName);
    await writeFile(`${target}.tmp`, info.message);
    await rename(`${target}.tmp`, target);
  }

  return {
    async send(mail, signal) {
      if (!smtp) {
        await writeFileMail(mail);
        return 'sent';
      }
      for (let attempt = 1; ; attempt += 1) {
        if (signal.aborted) throw aborted();
        try {
          await smtp.sendMail(message(mail));
          status.smtp = 'connected';
          status.failures = 0;
          status.lastError = undefined;
          return 'sent';
        } catch (error) {
          if (refusedForGood(error)) {
            status.smtp = 'connected';
            logger.warn({ reason: describe(error) }, 'mail refused by the SMTP server; not retried');
            return 'failed';
          }
          status.smtp = 'unavailable';
          status.failures = attempt;
          status.lastError = describe(error);
          if (attempt === 1 || attempt % 10 === 0)
            logger.warn({ reason: status.lastError, attempt }, 'SMTP unavailable; mail waits');
          await sleep(backoffMs(attempt, baseMs, maxMs), signal);
        }
      }
    },
    async check() {
      if (!smtp) return;
      try {
        await smtp.verify();
        status.smtp = 'connected';
      } catch (error) {
        status.smtp = 'unavailable';
        status.lastError = describe(error);
        throw new Error(`SMTP unavailable (${status.lastError})`);
      }
    },
    status: () => ({ ...status }),
    close() {
      smtp?.close();
      streaming.close();
    },
  };
}
