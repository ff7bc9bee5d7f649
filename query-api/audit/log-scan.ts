import { isSecretEvent } from '../../application/audit/secrets.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';

export type LogScan = {
  after?: Position | undefined;
  limit: number;
  types?: readonly string[] | undefined;
  correlationId?: string | undefined;
  /** Most events read per request when a filter the store cannot apply (correlation) thins the pages. */
  budget: number;
};

/**
 * A page of the global log for auditors: secret events dropped, optionally only one correlation id.
 * `next` is where the next page starts: after the last event returned, or as far as this scan read.
 */
export async function scanLog(store: EventStore, scan: LogScan) {
  const events: RecordedEvent[] = [];
  let cursor = scan.after;
  let scanned = 0;
  let isEnd = false;
  const filter = scan.types ? { eventTypes: scan.types } : undefined;
  while (events.length < scan.limit && scanned < scan.budget) {
    const want = scan.correlationId ? 1000 : scan.limit - events.length;
    const page = await store.readAll({
      ...(cursor ? { after: cursor } : {}),
      maxCount: Math.min(want, scan.budget - scanned, 1000),
      ...(filter ? { filter } : {}),
    });
    let consumedAll = true;
    for (const event of page.events) {
      scanned += 1;
      cursor = event.position;
      if (isSecretEvent(event)) continue;
      if (scan.correlationId && event.metadata.correlation_id !== scan.correlationId) continue;
      events.push(event);
      if (events.length >= scan.limit) {
        consumedAll = event === page.events.at(-1);
        break;
      }
    }
    if (consumedAll) {
      cursor = page.next ?? cursor;
      if (page.isEnd) {
        isEnd = true;
        break;
      }
    }
  }
  return { events, next: cursor, isEnd, scanned };
}
