import { notFound } from '../../domain/shared/errors.ts';
import type { EventStore, EventToAppend, RecordedEvent, SubscriptionItem } from '../eventstore/port.ts';
import { readAhead } from '../eventstore/read-ahead.ts';
import { maskPersonalFields, openPersonalFields, sealPersonalFields } from './event-envelope.ts';
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
    return { ...event, data: sealPersonalFields(event.data, rule, subject, key) };
  };

  // The events below are freshly parsed by the store for this one read and reach no one else before
  // this layer hands them up, so they are decrypted in place rather than copied.
  const decrypt = decryptor(keys, { inPlace: true });

  return {
    async appendToStream(stream, events, options) {
      return store.appendToStream(stream, await Promise.all(events.map(encrypt)), options);
    },
    readStream: async (stream, options) => decrypt(await store.readStream(stream, options)),
    async readAll(options) {
      const page = await store.readAll(options);
      return { ...page, events: await decrypt(page.events) };
    },
    subscribeToAll: (options) => decryptInPages(store.subscribeToAll(options), decrypt),
    headPosition: () => store.headPosition(),
    async close() {
      await store.close();
      await personalData.close();
    },
  };
}

/** Most events a subscription decrypts together (one key-store query for the people among them). */
const PAGE = 2_000;

/**
 * A subscription with its events decrypted a page at a time: each step takes what the read has already
 * fetched (up to PAGE items) and decrypts its events with one key-store query, instead of one
 * query per event whose owner's key is not cached (a rebuild over many people's first events waited on
 * a round trip for each). Live, an event arriving alone is decrypted and handed up at once.
 */
async function* decryptInPages(
  source: AsyncIterable<SubscriptionItem>,
  decrypt: (events: RecordedEvent[]) => Promise<RecordedEvent[]>,
): AsyncGenerator<SubscriptionItem> {
  const { items, buffered } = readAhead(source, PAGE);
  const iterator = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      const first = await iterator.next();
      if (first.done) return;
      const page = [first.value];
      while (page.length < PAGE && buffered() > 0) {
        const next = await iterator.next();
        if (next.done) break;
        page.push(next.value);
      }
      const events: RecordedEvent[] = [];
      for (const item of page) if (item.kind === 'event') events.push(item.event);
      const opened = events.length > 0 ? await decrypt(events) : events;
      let next = 0;
      for (const item of page) {
        if (item.kind !== 'event') yield item;
        else {
          const event = opened[next++]!;
          yield event === item.event ? item : { kind: 'event', event };
        }
      }
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/**
 * Events as readers see them: personal fields decrypted, "[erased]" when the owner's key is destroyed,
 * plain (pre-encryption) values as they are. Seeing an erasure event drops that person's cached key.
 * By default the events given are left as they are (the audit's verify still hashes them as stored);
 * `inPlace` changes their data instead of copying, for a caller that owns them.
 */
export function decryptor(keys: KeyStore, options: { inPlace?: boolean } = {}) {
  const inPlace = options.inPlace ?? false;
  return async (events: RecordedEvent[]): Promise<RecordedEvent[]> => {
    // One pass finds each event's owner; one key-store query (at most) serves the whole page.
    const owners: (string | undefined)[] = new Array(events.length);
    const subjects = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const erased = erasureEventTypes[event.type]?.(event.data);
      if (erased) keys.forget(erased);
      const subject = personalFields[event.type]?.subject(event.data);
      owners[i] = subject;
      if (subject) subjects.add(subject);
    }
    if (subjects.size === 0) return events;
    const found = await keys.keysFor([...subjects]);
    const out = inPlace ? events : new Array<RecordedEvent>(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const subject = owners[i];
      const key = subject === undefined ? undefined : found.get(subject);
      // No key: only plain (pre-encryption) values can be here, and they stay readable.
      if (subject === undefined || key === undefined) {
        out[i] = event;
        continue;
      }
      const rule = personalFields[event.type]!;
      const data =
        key === 'erased'
          ? maskPersonalFields(event.data, rule, inPlace)
          : openPersonalFields(event.data, rule, subject, key, inPlace);
      if (inPlace) event.data = data;
      else out[i] = { ...event, data };
    }
    return out;
  };
}
