import { eventToAppend } from '../../application/commands/event-to-append.ts';
import { accountToken, type TokenPurpose } from '../../domain/identity/account-token.ts';
import { userStreamName } from '../../domain/identity/events.ts';
import { type UserState, user } from '../../domain/identity/user.ts';
import type { OrderPlacedData } from '../../domain/ordering/events.ts';
import { accountTokenStream, newAccountToken } from '../../infra/auth/account-tokens.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import type { MailKind, OrderSummary, TemplateData } from './templates.ts';

export type Recipient = Extract<UserState, { status: 'registered' }>;

/** One message an event calls for: its kind, to whom, and its template data (made when it is sent). */
export type MailJob = {
  kind: MailKind;
  userId: string;
  /** False: nothing to send after all (e.g. the email was verified meanwhile). */
  wanted?: (recipient: Recipient) => boolean;
  template: (recipient: Recipient) => Promise<TemplateData>;
};

export type JobDeps = { store: EventStore; publicBaseUrl: string; clock: () => Date };

export const notifiedEventTypes = [
  'UserRegistered',
  'EmailVerificationRequested',
  'PasswordResetRequested',
  'OrderConfirmed',
  'OrderShipped',
  'OrderDelivered',
  'OrderCancelled',
  'OrderRefunded',
] as const;

async function readAll(store: EventStore, stream: string, maxCount?: number) {
  try {
    return await store.readStream(stream, maxCount ? { maxCount } : {});
  } catch (error) {
    if (error instanceof StreamNotFound) return [];
    throw error;
  }
}

export async function loadRecipient(store: EventStore, userId: string): Promise<Recipient | undefined> {
  const events = await readAll(store, userStreamName(userId));
  const state = events.reduce(
    (s, e) => user.evolve(s, { type: e.type, data: e.data } as never),
    user.initialState(),
  );
  return state.status === 'registered' ? state : undefined;
}

async function loadOrder(store: EventStore, orderId: string): Promise<OrderPlacedData | undefined> {
  const [placed] = await readAll(store, `order-${orderId}`, 1);
  return placed?.type === 'OrderPlaced' ? (placed.data as OrderPlacedData) : undefined;
}

const summary = (o: OrderPlacedData): OrderSummary => ({
  order_id: o.order_id,
  currency: o.currency,
  items: o.items.map((i) => ({
    product_name: i.product_name,
    quantity: i.quantity,
    unit_price: i.unit_price,
    subtotal: i.subtotal,
  })),
  subtotal: o.subtotal,
  tax: o.tax,
  shipping_cost: o.shipping_cost,
  total: o.total,
});

/**
 * Issues a single-use token for the mail of `event`: only its SHA-256 names the stream it is recorded
 * in; the token itself lives in the returned link (and so only in the mail).
 */
export async function issueToken(
  deps: JobDeps,
  event: Pick<RecordedEvent, 'id' | 'metadata'>,
  userId: string,
  purpose: TokenPurpose,
) {
  const token = newAccountToken();
  const now = deps.clock();
  const issued = accountToken.decide(
    {
      type: 'IssueAccountToken',
      data: { user_id: userId, purpose, issued_for: event.id, now: now.toISOString() },
    },
    accountToken.initialState(),
  );
  const correlation = (event.metadata as { correlation_id?: string } | undefined)?.correlation_id ?? event.id;
  await deps.store.appendToStream(
    accountTokenStream(token),
    issued.map((e) => eventToAppend(e, { correlation_id: correlation, causation_id: event.id }, now)),
    { expectedRevision: 'no_stream' },
  );
  return token;
}

/** The mail an event calls for (none for most). */
export async function jobsFor(deps: JobDeps, event: RecordedEvent): Promise<MailJob[]> {
  const data = event.data as Record<string, unknown>;
  const link = (path: string, token: string) => `${deps.publicBaseUrl}${path}?token=${token}`;
  switch (event.type) {
    case 'UserRegistered':
      if (data.role !== 'customer') return [];
      return verificationJob(deps, event, String(data.user_id));
    case 'EmailVerificationRequested':
      return verificationJob(deps, event, String(data.user_id));
    case 'PasswordResetRequested': {
      const userId = String(data.user_id);
      return [
        {
          kind: 'password_reset',
          userId,
          template: async (r) => ({
            kind: 'password_reset',
            firstName: r.firstName,
            link: link('/reset-password', await issueToken(deps, event, userId, 'password_reset')),
          }),
        },
      ];
    }
    default:
      return orderJobs(deps, event, data);
  }
  function verificationJob(d: JobDeps, e: RecordedEvent, userId: string): MailJob[] {
    return [
      {
        kind: 'verify_email',
        userId,
        wanted: (r) => !r.emailVerified,
        template: async (r) => ({
          kind: 'verify_email',
          firstName: r.firstName,
          link: link('/verify-email', await issueToken(d, e, userId, 'verify_email')),
        }),
      },
    ];
  }
}

async function orderJobs(
  deps: JobDeps,
  event: RecordedEvent,
  data: Record<string, unknown>,
): Promise<MailJob[]> {
  const kinds: Record<string, MailKind> = {
    OrderConfirmed: 'order_confirmed',
    OrderShipped: 'order_shipped',
    OrderDelivered: 'order_delivered',
    OrderCancelled: 'order_cancelled',
    OrderRefunded: 'order_refunded',
  };
  const kind = kinds[event.type];
  if (!kind) return [];
  const placed = await loadOrder(deps.store, String(data.order_id));
  if (!placed) return [];
  const order = summary(placed);
  const base = { firstName: '', order };
  const template = async (r: Recipient): Promise<TemplateData> => {
    const common = { ...base, firstName: r.firstName };
    switch (kind) {
      case 'order_shipped':
        return { kind, ...common, trackingNumber: String(data.tracking_number) };
      case 'order_cancelled':
        return { kind, ...common, amount: Number(data.refund_amount ?? 0) };
      case 'order_refunded':
        return { kind, ...common, amount: Number(data.amount ?? 0) };
      default:
        return { kind: kind as 'order_confirmed' | 'order_delivered', ...common };
    }
  };
  return [{ kind, userId: placed.user_id, template }];
}
