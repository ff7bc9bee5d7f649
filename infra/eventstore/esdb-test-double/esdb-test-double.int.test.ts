import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EsdbTestDouble, startEsdbTestDouble } from './server.ts';

// The TEST DOUBLE seen through the unmodified client: the shapes the client reports must be the ones a
// real EventStoreDB produces, or the adapter's tests against the double prove nothing.

let double: EsdbTestDouble;
let client: EventStoreDBClient;

beforeAll(async () => {
  double = await startEsdbTestDouble();
  client = EventStoreDBClient.connectionString(double.connectionString);
});

afterAll(async () => {
  await client.dispose();
  await double.stop();
});

const stream = () => `double${randomUUID().slice(0, 8)}-1`;
const events = (count: number) =>
  Array.from({ length: count }, (_, n) => jsonEvent({ type: 'T', data: { n } }));
async function read<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('EventStoreDB gRPC test double, through @eventstore/db-client', () => {
  it('reports a wrong expected version the way the client raises it from a real server', async () => {
    const name = stream();
    await client.appendToStream(name, events(2));
    const error = await client.appendToStream(name, events(1), { expectedRevision: 5n }).catch((e) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamName: name, expectedVersion: 5n, actualVersion: 1n });
    const missing = await client
      .appendToStream(stream(), events(1), { expectedRevision: 'stream_exists' })
      .catch((e) => e);
    expect(missing).toMatchObject({ expectedVersion: 'stream_exists', actualVersion: 'no_stream' });
  });

  it('answers a read of a missing stream with stream_not_found', async () => {
    const name = stream();
    await expect(read(client.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
    await expect(read(client.readStream(name))).rejects.toMatchObject({ streamName: name });
  });

  it('reads $all forwards from a position inclusively and backwards from it exclusively', async () => {
    const result = await client.appendToStream(stream(), events(3));
    const position = result.position!;
    const forwards = await read(
      client.readAll({ fromPosition: position, direction: FORWARDS, maxCount: 10 }),
    );
    expect(forwards[0]!.event!.position).toEqual(position);
    const backwards = await read(
      client.readAll({ fromPosition: position, direction: BACKWARDS, maxCount: 1 }),
    );
    expect(backwards[0]!.event!.position.commit).toBe(position.commit - 1n);
    const last = await read(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }));
    expect(last[0]!.event!.position).toEqual(position);
  });

  it('subscribes to $all strictly after a position, signals caught-up, then delivers live events', async () => {
    const name = stream();
    const first = await client.appendToStream(name, events(2));
    const subscription = client.subscribeToAll({
      fromPosition: first.position!,
      filter: streamNameFilter({ prefixes: [name] }),
    });
    const caughtUp = new Promise<void>((resolve) => subscription.once('caughtUp', resolve));
    const seen: bigint[] = [];
    const done = new Promise<void>((resolve) =>
      subscription.on('data', (resolved) => {
        seen.push(resolved.event!.revision);
        if (seen.length === 2) resolve();
      }),
    );
    await caughtUp;
    await client.appendToStream(name, events(2));
    await done;
    await subscription.unsubscribe();
    expect(seen).toEqual([2n, 3n]);
  });

  it('lets the client reconnect after dropConnections, with the log intact', async () => {
    const name = stream();
    await client.appendToStream(name, events(1));
    double.dropConnections();
    let appended = false;
    for (let attempt = 0; attempt < 10 && !appended; attempt++) {
      appended = await client.appendToStream(name, events(1), { expectedRevision: 0n }).then(
        () => true,
        async (error) => {
          if (error instanceof WrongExpectedVersionError) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
          return false;
        },
      );
    }
    expect((await read(client.readStream(name))).map((e) => e.event!.revision)).toEqual([0n, 1n]);
  });
});
