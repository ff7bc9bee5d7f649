import { notFound } from '../../domain/shared/errors.ts';
import type { EventStore, EventToAppend, RecordedEvent } from '../eventstore/port.ts';
import { decryptFields, encryptFields, maskFields } from './field-cipher.ts';
import type { KeyStore } from './key-store.ts';
import type { PersonalData } from './personal-data.ts';
import { erasureEventTypes, personalFields } from './personal-fields.ts';

/**
 * The store's edge for personal data: the fields personalFields names are encrypted under their
 * owner's data key on append and decrypted on every read, so deciders, projections, the publisher and
 * the audit API see plain values while the log holds ciphertext. Placed outside the hash chain, so the
 * chain covers the stored (encrypted) bytes and stays verifiable after a key is destroyed. A person
 * whose key is destroyed reads as "[erased]"; appending new personal data for them is refused.
 */
export function withPersonalData(store: EventStore, personalData: PersonalData): EventStore {
  const { keys } = personalData;
  const encrypt = async (event: EventToAppend): Promise<EventToAppend> => {
    const rule = personalFields[event.type];
    const subject = rule?.subject(event.data);
    if (!rule || !subject) return event;
    const key = await keys.keyForWriting(subject);
    if (key === 'erased') throw notFound('User', subject);
    return { ...event, data: encryptFields(event.data, rule, subject, key) };
  };

  const decrypt = decryptor(keys);

  return {
    async appendToStream(stream, events, options) {
      return store.appendToStream(stream, await Promise.all(events.map(encrypt)), options);
    },
    readStream: async (stream, options) => decrypt(await store.readStream(stream, options)),
    async readAll(options) {
      const page = await store.readAll(options);
      return { ...page, events: await decrypt(page.events) };
    },
    async *subscribeToAll(options) {
      for await (const item of store.subscribeToAll(options)) {
        if (item.kind !== 'event') yield item;
        else yield { kind: 'event', event: (await decrypt([item.event]))[0]! };
      }
    },
    headPosition: () => store.headPosition(),
    async close() {
      await store.close();
      await personalData.close();
    },
  };
}

/**
 * Events as readers see them: personal fields decrypted, "[erased]" when the owner's key is destroyed,
 * plain (pre-encryption) values as they are. Seeing an erasure event drops that person's cached key.
 */
export function decryptor(keys: KeyStore) {
  return async (events: RecordedEvent[]): Promise<RecordedEvent[]> => {
    const subjects: string[] = [];
    for (const event of events) {
      const erased = erasureEventTypes[event.type]?.(event.data);
      if (erased) keys.forget(erased);
      const subject = personalFields[event.type]?.subject(event.data);
      if (subject) subjects.push(subject);
    }
    if (subjects.length === 0) return events;
    const found = await keys.keysFor(subjects);
    return events.map((event) => {
      const rule = personalFields[event.type];
      const subject = rule?.subject(event.data);
      if (!rule || !subject) return event;
      const key = found.get(subject);
      // No key: only plain (pre-encryption) values can be here, and they stay readable.
      if (key === undefined) return event;
      if (key === 'erased') return { ...event, data: maskFields(event.data, rule) };
      return { ...event, data: decryptFields(event.data, rule, subject, key) };
    });
  };
}
