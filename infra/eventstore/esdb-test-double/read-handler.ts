/**
 * TEST DOUBLE — not a product feature. `Streams.Read` of our fake EventStoreDB: reads of one stream,
 * reads of $all, and catch-up subscriptions to $all (confirmation, catch-up, `caught_up`, then live).
 *
 * Semantics copied from EventStoreDB: a stream read from a revision includes that revision (both
 * directions); a forwards $all read from a position includes it, a backwards one stops strictly before
 * it; a subscription from a position starts strictly after it. A missing stream answers `stream_not_found`.
 */
import { randomUUID } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { MemoryLog, StoredEvent } from './memory-log.ts';
import {
  caughtUpResponse,
  confirmationResponse,
  eventResponse,
  type ReadReq,
  type ReadRespMessage,
  streamNameOf,
  streamNotFoundResponse,
} from './proto.ts';

type ReadReqMessage = InstanceType<typeof ReadReq>;
type ReadCall = ServerWritableStream<ReadReqMessage, ReadRespMessage>;
type Options = InstanceType<typeof ReadReq.Options>;

const BACKWARDS = 1;

/** How many events subscriptions have put on the wire, per event type (what a server-side filter saves). */
export type WireCounts = Map<string, number>;

export function createReadHandler(log: MemoryLog, wire: WireCounts = new Map()) {
  return (call: ReadCall) => {
    const options = call.request.getOptions();
    if (!options) return call.emit('error', { code: status.INVALID_ARGUMENT, details: 'options missing' });
    const run = options.hasSubscription()
      ? options.hasAll()
        ? subscribeToAll(log, call, options, wire)
        : Promise.reject(
            Object.assign(new Error('stream subscriptions are not implemented by the test double'), {
              code: status.UNIMPLEMENTED,
            }),
          )
      : options.hasAll()
        ? readAll(log, call, options)
        : readStream(log, call, options);
    run.then(
      () => call.end(),
      (error: Error & { code?: number }) =>
        call.emit('error', { code: error.code ?? status.INTERNAL, details: error.message }),
    );
  };
}

/** Selects by stream name or event type (prefixes or a regex), as the server's filter options do. */
function eventFilter(options: Options): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType();
  if (!expression) return () => true;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  return (event) => {
    const value = onStream ? event.streamName : event.type;
    if (prefixes.length > 0 && !prefixes.some((prefix) => value.startsWith(prefix))) return false;
    return regex ? regex.test(value) : true;
  };
}

/** Writes with backpressure: waits for `drain` when grpc-js's buffer is full; false once the call is gone. */
async function send(call: ReadCall, message: ReadRespMessage): Promise<boolean> {
  if (call.cancelled || call.destroyed) return false;
  if (call.write(message)) return true;
  await new Promise<void>((resolve) => {
    const finish = () => {
      call.off('drain', finish);
      call.off('close', finish);
      resolve();
    };
    call.on('drain', finish);
    call.on('close', finish);
  });
  return !(call.cancelled || call.destroyed);
}

async function readStream(log: MemoryLog, call: ReadCall, options: Options) {
  const streamOptions = options.getStream()!;
  const name = streamNameOf(streamOptions.getStreamIdentifier());
  const events = log.stream(name);
  if (!events || events.length === 0) {
    await send(call, streamNotFoundResponse(name));
    return;
  }
  const backwards = options.getReadDirection() === BACKWARDS;
  let count = BigInt(options.getCount() || '0');
  const from = streamOptions.hasRevision()
    ? BigInt(streamOptions.getRevision())
    : streamOptions.hasEnd()
      ? BigInt(events.length - 1)
      : 0n;
  const ordered = backwards ? [...events].reverse() : events;
  for (const event of ordered) {
    if (count <= 0n) break;
    if (backwards ? event.revision > from : event.revision < from) continue;
    if (!(await send(call, eventResponse(event)))) return;
    count--;
  }
}

async function readAll(log: MemoryLog, call: ReadCall, options: Options) {
  const all = options.getAll()!;
  const backwards = options.getReadDirection() === BACKWARDS;
  const matches = eventFilter(options);
  let count = BigInt(options.getCount() || '0');
  const position = all.hasPosition() ? BigInt(all.getPosition()!.getCommitPosition()) : undefined;
  if (backwards) {
    let index = all.hasPosition()
      ? log.indexAfter(position!, true) - 1
      : all.hasStart()
        ? -1
        : log.all.length - 1;
    for (; index >= 0 && count > 0n; index--) {
      const event = log.all[index]!;
      if (!matches(event)) continue;
      if (!(await send(call, eventResponse(event)))) return;
      count--;
    }
    return;
  }
  let index = all.hasPosition() ? log.indexAfter(position!, true) : all.hasEnd() ? log.all.length : 0;
  for (; index < log.all.length && count > 0n; index++) {
    const event = log.all[index]!;
    if (!matches(event)) continue;
    if (!(await send(call, eventResponse(event)))) return;
    count--;
  }
}

/** Catch-up then live from one cursor over the log, so nothing is skipped or reordered at the switch. */
async function subscribeToAll(log: MemoryLog, call: ReadCall, options: Options, wire: WireCounts) {
  const all = options.getAll()!;
  const matches = eventFilter(options);
  let cursor = all.hasPosition()
    ? log.indexAfter(BigInt(all.getPosition()!.getCommitPosition()))
    : all.hasEnd()
      ? log.all.length
      : 0;
  let stopped = false;
  const stop = new Promise<void>((resolve) => {
    const end = () => {
      stopped = true;
      resolve();
    };
    call.on('cancelled', end);
    call.on('close', end);
  });
  if (!(await send(call, confirmationResponse(randomUUID())))) return;
  let caughtUp = false;
  while (!stopped) {
    const event = log.all[cursor];
    if (event) {
      cursor++;
      if (!matches(event)) continue;
      wire.set(event.type, (wire.get(event.type) ?? 0) + 1);
      if (!(await send(call, eventResponse(event)))) return;
      continue;
    }
    if (!caughtUp) {
      caughtUp = true;
      if (!(await send(call, caughtUpResponse()))) return;
      continue;
    }
    // Checked and registered in the same tick as the emptiness check above: no append can slip between.
    await Promise.race([log.changed(), stop]);
  }
}
