import { secretEventTypes, secretStreamPrefixes } from '../../domain/identity/events.ts';

/** Credentials streams and password hashes never leave the store through any audit listing. */
export const isSecretStream = (stream: string): boolean =>
  secretStreamPrefixes.some((prefix) => stream.startsWith(prefix));

export const isSecretEvent = (event: { type: string; streamName: string }): boolean =>
  (secretEventTypes as readonly string[]).includes(event.type) || isSecretStream(event.streamName);
