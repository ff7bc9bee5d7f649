import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upcast } from '../../domain/event-catalog.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { composeStore } from '../eventstore/decorate-store.ts';
import { withHashChain } from '../eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../eventstore/port.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { subjectAad } from './key-store.ts';
import { resolveMasterKey, seal } from './master-key.ts';
import { openPersonalData, type PersonalData, personalDataOf } from './personal-data.ts';

/** Events written by the first encryption code (pd1: one envelope per field), and the key they used. */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pd1-events.json', import.meta.url), 'utf8')) as {
  subject: string;
  data_key_hex: string;
  plain: Record<string, Record<string, unknown>>;
  events: { stream: string; type: string; data: Record<string, unknown> }[];
};

describe('stored formats of personal data, and erasure across processes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let raw: EventStore;
  let store: EventStore;
  let sql: pg.Client;
  const stored = async (stream: string) =>
    (
      await sql.query<{ data: string }>('SELECT data::text AS data FROM messages WHERE stream_name = $1', [
        stream,
      ])
    ).rows[0]!.data;

  beforeAll(async () => {
    database = await createTestDatabase('personal_formats');
    raw = await createPostgresEventStore({ connectionString: database.url, poolSize: 2 });
    store = composeStore(await createPostgresEventStore({ connectionString: database.url, poolSize: 2 }), {
      personalData: await openPersonalData({ connectionString: database.url, poolSize: 2 }),
    });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await store.close();
    await raw.close();
    await database.drop();
  });

  it('still reads events stored in the old per-field format (pd1), and masks them after erasure', async () => {
    // The fixture's data key, wrapped under this database's master key, as the old code left it.
    const wrapped = seal(
      resolveMasterKey({ NODE_ENV: 'test' }),
      Buffer.from(fixture.data_key_hex, 'hex'),
      subjectAad(fixture.subject),
    );
    await sql.query('INSERT INTO personal_data_keys (subject_id, wrapped_key) VALUES ($1, $2)', [
      fixture.subject,
      wrapped,
    ]);
    for (const event of fixture.events)
      await withHashChain(raw).appendToStream(
        event.stream,
        [{ id: randomUUID(), type: event.type, data: event.data }],
        {
          expectedRevision: 'no_stream',
        },
      );
    expect(await stored('user-usr_pd1')).not.toContain('Ottoline');
    const [user] = await store.readStream('user-usr_pd1');
    expect(user!.data).toEqual(fixture.plain.UserRegistered);
    const [order] = await store.readStream('order-ord_pd1');
    // The composed store reads every event at its current schema_version (OrderPlaced v1 → v2).
    expect(order!.data).toEqual(upcast('OrderPlaced', fixture.plain.OrderPlaced));

    await personalDataOf(store).destroyKey(fixture.subject);
    const [erased] = await store.readStream('order-ord_pd1');
    expect(erased!.data.billing_address).toEqual({
      street: '[erased]',
      city: '[erased]',
      state: null,
      postal_code: '[erased]',
      country: 'GB',
    });
  });

  it('writes one envelope per event (pd2): no plain value, one sealed blob, fields as placeholders', async () => {
    const data = {
      schema_version: 1,
      user_id: 'usr_pd2',
      email: 'new.format@example.org',
      first_name: 'Wilhelmina',
      last_name: 'Quartermain',
      phone: '+447700900789',
      role: 'customer',
      registered_at: '2026-12-05T07:00:00.000Z',
    };
    await store.appendToStream('user-usr_pd2', [{ id: randomUUID(), type: 'UserRegistered', data }], {
      expectedRevision: 'no_stream',
    });
    const bytes = await stored('user-usr_pd2');
    for (const value of ['new.format', 'Wilhelmina', 'Quartermain', '900789'])
      expect(bytes).not.toContain(value);
    expect(bytes.match(/"pd2\.[A-Za-z0-9_-]{20,}"/g)).toHaveLength(1);
    expect(bytes).toContain('"email": "pd2.*"');
    const [read] = await store.readStream('user-usr_pd2');
    expect(read!.data).toEqual(data);
  });

  it('an erasure in another process reaches a cached key within the sweep, without the erasure event', async () => {
    const other: PersonalData = await openPersonalData({
      connectionString: database.url,
      poolSize: 1,
      erasureSweepMs: 50,
    });
    try {
      const before = await other.keys.keyForWriting('usr_pd2');
      expect(before).toBeInstanceOf(Buffer);
      // Cached now; the erasure happens in "this" process, by the store's own key store.
      await personalDataOf(store).destroyKey('usr_pd2');
      await vi.waitFor(async () => expect(await other.keys.keyForWriting('usr_pd2')).toBe('erased'), {
        timeout: 10_000,
        interval: 60,
      });
      expect((await other.keys.keysFor(['usr_pd2'])).get('usr_pd2')).toBe('erased');
    } finally {
      await other.close();
    }
  });
});
