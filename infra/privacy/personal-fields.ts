/**
 * Which fields of which event types are personal data, and whose. The one table the store's edge
 * (with-personal-data.ts) encrypts and decrypts by: a new event type with personal fields is added
 * here, nowhere else. Paths are dotted for nested objects.
 */
export type PersonalFieldRule = {
  /** The person the fields belong to: their data key encrypts them. */
  subject: (data: Record<string, unknown>) => string | undefined;
  fields: readonly string[];
};

const userId = (data: Record<string, unknown>) =>
  typeof data.user_id === 'string' ? data.user_id : undefined;

// The country stays in clear: on its own it identifies nobody, and the accounts need it (tax).
const address = (name: string) => ['street', 'city', 'state', 'postal_code'].map((f) => `${name}.${f}`);

export const personalFields: Record<string, PersonalFieldRule> = {
  UserRegistered: { subject: userId, fields: ['email', 'first_name', 'last_name', 'phone'] },
  UserProfileChanged: { subject: userId, fields: ['first_name', 'last_name', 'phone'] },
  OrderPlaced: {
    subject: userId,
    fields: [...address('shipping_address'), ...address('billing_address')],
  },
  // The name shown with a review (version 2 on; version 1 had none), under the reviewer's key.
  ReviewSubmitted: { subject: userId, fields: ['author_name'] },
  // Free text the canceller typed, which may name or locate someone: under the canceller's key (the
  // event names no other person; an admin's words about a customer go with the admin's key).
  OrderCancelled: {
    subject: (data) => (typeof data.cancelled_by === 'string' ? data.cancelled_by : undefined),
    fields: ['reason'],
  },
};

/** Events that say a person was erased: readers drop that person's cached key when they see one. */
export const erasureEventTypes: Record<string, (data: Record<string, unknown>) => string | undefined> = {
  UserErased: userId,
};

/** What every personal field reads as once its owner's key is destroyed. */
export { ERASED } from '../../domain/identity/events.ts';
