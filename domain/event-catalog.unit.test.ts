import { describe, expect, it } from 'vitest';
import { InvalidEvent, newestKnownVersions, requireValidEvent, writtenByNewerCode } from './event-catalog.ts';

describe('newestKnownVersions', () => {
  it('reads the newest version of each type from its schema', () => {
    expect(newestKnownVersions.OrderPlaced).toBe(3);
    expect(newestKnownVersions.ReviewSubmitted).toBe(2);
    expect(newestKnownVersions.StockReserved).toBe(2);
    expect(newestKnownVersions.UserRegistered).toBe(1);
  });

  it('calls newer only a number above the newest of a type it knows', () => {
    expect(writtenByNewerCode('OrderPlaced', { schema_version: 4 })).toBe(true);
    expect(writtenByNewerCode('OrderPlaced', { schema_version: 3 })).toBe(false);
    expect(writtenByNewerCode('OrderPlaced', { schema_version: 1 })).toBe(false); // older: upcast
    expect(writtenByNewerCode('OrderPlaced', { schema_version: '4' })).toBe(false);
    expect(writtenByNewerCode('SomethingElse', { schema_version: 9 })).toBe(false);
  });
});

describe('requireValidEvent', () => {
  it('names the failing fields of an event its schema refuses, without their values', () => {
    const refused = () =>
      requireValidEvent('UserRegistered', { schema_version: 1, user_id: 'usr_1', email: 'x@example.com' });
    expect(refused).toThrow(InvalidEvent);
    try {
      refused();
    } catch (error) {
      expect((error as InvalidEvent).fields.length).toBeGreaterThan(0);
      expect((error as Error).message).not.toContain('x@example.com');
    }
    expect(() => requireValidEvent('SomethingElse', { anything: true })).not.toThrow();
  });
});
