import type { EventStore, RecordedEvent } from './port.ts';

type Upcasters = Readonly<Record<string, (data: never) => unknown>>;

/**
 * Events as readers see them: each old data shape brought to its current schema_version by the domain's
 * upcasters (domain/ordering/upcast.ts). Appends pass through; what is stored never changes, so the hash
 * chain and the frozen fixture log still hold.
 */
export function withUpcasting(store: EventStore, upcasters: Upcasters): EventStore {
  const upcast = (event: RecordedEvent): RecordedEvent => {
    const upcaster = upcasters[event.type];
    return upcaster ? { ...event, data: upcaster(event.data as never) as RecordedEvent['data'] } : event;
  };
  return {
    ...store,
    appendToStream: (stream, events, options) => store.appendToStream(stream, events, options),
    readStream: async (stream, options) => (await store.readStream(stream, options)).map(upcast),
    async readAll(options) {
      const page = await store.readAll(options);
      return { ...page, events: page.events.map(upcast) };
    },
    async *subscribeToAll(options) {
      for await (const item of store.subscribeToAll(options))
        yield item.kind === 'event' ? { kind: 'event', event: upcast(item.event) } : item;
    },
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
