import { describe, expect, it } from 'vitest';
import { plantedSecrets } from '../../application/integration-events/sample-domain-events.ts';
import type { TailedMessage } from '../../infra/kafka/tail.ts';
import { dedupe, findSecrets } from './test-support.ts';

const message = (value: unknown, headers: Record<string, string> = {}, offset = '0'): TailedMessage => ({
  topic: 'user-events',
  partition: 0,
  offset,
  key: 'usr_1',
  headers,
  value,
});

// The int tests scan every message they produced with findSecrets; here, that the scan can fail.
describe('the secret scan', () => {
  it('finds an email, a password hash, a JWT and a payment token, in values and headers', () => {
    const found = findSecrets([
      message({ user_id: 'usr_1', contact: 'someone@example.org' }),
      message({ note: plantedSecrets.passwordHash }),
      message({}, { traceparent: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl' }),
      message({ payment: 'tok_visa' }),
    ]);
    expect(found.map((f) => f.split(': ')[1])).toEqual([
      'email address',
      'password hash',
      'JWT',
      'payment token',
    ]);
  });

  it('passes clean integration events', () => {
    expect(
      findSecrets([message({ event_type: 'UserRegistered', user_id: 'usr_1', role: 'customer' })]),
    ).toEqual([]);
  });

  it('dedupes by event_id, first sighting wins', () => {
    const a = message({ n: 1 }, { event_id: 'a' }, '0');
    const b = message({ n: 2 }, { event_id: 'b' }, '1');
    const { unique, duplicates } = dedupe([a, b, message({ n: 1 }, { event_id: 'a' }, '2')]);
    expect(unique).toEqual([a, b]);
    expect(duplicates).toBe(1);
  });
});
