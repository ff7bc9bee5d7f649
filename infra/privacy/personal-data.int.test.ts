import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../../application/audit/test-fixtures.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { composeStore } from '../eventstore/decorate-store.ts';
import { verifyChains } from '../eventstore/hash-chain/verify-chain.ts';
import { withHashChain } from '../eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../eventstore/port.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { rotateMasterKey } from './key-rotation.ts';
import { MasterKeyError, resolveMasterKey } from './master-key.ts';
import { openPersonalData, personalDataOf } from './personal-data.ts';

const planted = {
  email: 'zyxwv.planted@example.org',
  first: 'Quillonia',
  last: 'Brackenthwaite',
  phone: '+447700900123',
  street: '42 Wobblegate Lane',
};
const registered = (userId: string) => ({
  id: randomUUID(),
  type: 'UserRegistered',
  data: {
    schema_version: 1,
    user_id: userId,
    email: planted.email,
    first_name: planted.first,
    last_name: planted.last,
    phone: planted.phone,
    role: 'customer',
    registered_at: '2026-01-15T10:00:00.000Z',
  },
});
const placed = (userId: string) => ({
  id: randomUUID(),
  type: 'OrderPlaced',
  data: {
    schema_version: 1,
    order_id: 'ord_1',
    user_id: userId,
    shipping_address: {
      street: planted.street,
      city: 'Ely',
      state: 'Cambs',
      postal_code: 'CB7 4AA',
      country: 'GB',
    },
    billing_address: {
      street: planted.street,
      city: 'Ely',
      state: 'Cambs',
      postal_code: 'CB7 4AA',
      country: 'GB',
    },
  },
});

describe('personal data at the store edge (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let raw: EventStore;
  let store: EventStore;
  let sql: pg.Client;
  const rawBytes = async () =>
    (
      await sql.query<{ t: string }>(
        "SELECT coalesce(string_agg(data::text || metadata::text, ' '), '') AS t FROM messages",
      )
    ).rows[0]!.t;

  beforeAll(async () => {
    database = await createTestDatabase('personal_data');
    raw = await createPostgresEventStore({ connectionString: database.url, poolSize: 3 });
    store = composeStore(await createPostgresEventStore({ connectionString: database.url, poolSize: 3 }), {
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

  it('stores ciphertext, reads plain text, and masks everything once the key is destroyed', async () => {
    await store.appendToStream('user-usr_a', [registered('usr_a')], { expectedRevision: 'no_stream' });
    await store.appendToStream('order-ord_1', [placed('usr_a')], { expectedRevision: 'no_stream' });
    const bytes = await rawBytes();
    for (const value of Object.values(planted)) expect(bytes).not.toContain(value);
    expect(bytes).toContain('"country": "GB"');

    const [user] = await store.readStream('user-usr_a');
    expect(user!.data).toMatchObject({
      email: planted.email,
      first_name: planted.first,
      phone: planted.phone,
    });
    await allVisible(sql);
    const page = await store.readAll();
    const order = page.events.find((e) => e.type === 'OrderPlaced')!;
    expect(order.data.shipping_address).toMatchObject({ street: planted.street, country: 'GB' });

    await personalDataOf(store).destroyKey('usr_a');
    const [erased] = await store.readStream('user-usr_a');
    expect(erased!.data).toMatchObject({
      email: '[erased]',
      first_name: '[erased]',
      phone: '[erased]',
      role: 'customer',
    });
    const [erasedOrder] = await store.readStream('order-ord_1');
    expect(erasedOrder!.data.shipping_address).toEqual({
      street: '[erased]',
      city: '[erased]',
      state: '[erased]',
      postal_code: '[erased]',
      country: 'GB',
    });
    // The chain covers the stored ciphertext, which erasure does not touch.
    await allVisible(sql);
    expect((await verifyChains(raw)).breaks).toHaveLength(0);
    // No new personal data for an erased person.
    await expect(
      store.appendToStream('user-usr_a', [{ ...registered('usr_a'), id: randomUUID() }]),
    ).rejects.toMatchObject({ code: 'RES_3001' });
  });

  it("seals a cancellation's free-text reason under the canceller's key", async () => {
    const reason = `please call ${planted.phone} at ${planted.street}`;
    await store.appendToStream('order-ord_cancelled', [
      {
        id: randomUUID(),
        type: 'OrderCancelled',
        data: {
          schema_version: 1,
          order_id: 'ord_cancelled',
          cancelled_by: 'usr_canceller',
          cancelled_by_role: 'customer',
          reason,
          previous_status: 'pending',
          reservation_id: 'rsv_1',
          refund_amount: 0,
          currency: 'GBP',
          cancelled_at: '2026-01-15T10:00:00.000Z',
        },
      },
    ]);
    expect(await rawBytes()).not.toContain('please call');
    const [cancelled] = await store.readStream('order-ord_cancelled');
    expect(cancelled!.data).toMatchObject({ reason, previous_status: 'pending' });
    await personalDataOf(store).destroyKey('usr_canceller');
    const [erased] = await store.readStream('order-ord_cancelled');
    expect(erased!.data).toMatchObject({ reason: '[erased]', previous_status: 'pending' });
  });

  it('a subscription decrypts what it has read together: one key-store query for many people', async () => {
    const people = Array.from({ length: 40 }, (_, i) => `usr_page${i}`);
    for (const id of people)
      await store.appendToStream(`user-${id}`, [registered(id)], { expectedRevision: 'no_stream' });
    await allVisible(sql);
    // A reader in a new process: nobody's key cached. Its key store counts the lookups it makes.
    const personalData = await openPersonalData({ connectionString: database.url, poolSize: 1 });
    const keysFor = personalData.keys.keysFor.bind(personalData.keys);
    let lookups = 0;
    personalData.keys.keysFor = (subjects) => {
      lookups += 1;
      return keysFor(subjects);
    };
    const reader = composeStore(
      await createPostgresEventStore({ connectionString: database.url, poolSize: 1 }),
      {
        personalData,
      },
    );
    const emails: unknown[] = [];
    try {
      for await (const item of reader.subscribeToAll({ filter: { eventTypes: ['UserRegistered'] } })) {
        if (item.kind === 'caught-up') break;
        if (people.includes(item.event.data.user_id as string)) emails.push(item.event.data.email);
      }
    } finally {
      await reader.close();
    }
    expect(emails).toEqual(people.map(() => planted.email));
    // One event at a time asked once per person (40); the first page may be cut short by the read.
    expect(lookups).toBeLessThanOrEqual(4);
  });

  it('reads events written before encryption as they were, and masks them after erasure', async () => {
    await withHashChain(raw).appendToStream('user-usr_old', [registered('usr_old')], {
      expectedRevision: 'no_stream',
    });
    const [legacy] = await store.readStream('user-usr_old');
    expect(legacy!.data.email).toBe(planted.email);
    await personalDataOf(store).destroyKey('usr_old');
    const [masked] = await store.readStream('user-usr_old');
    expect(masked!.data.email).toBe('[erased]');
  });

  it('drops a cached key the moment the person is erased in this process, without waiting for the sweep', async () => {
    // The sweep for erasures by other processes is an hour away: only the drop itself can mask here.
    const own = composeStore(
      await createPostgresEventStore({ connectionString: database.url, poolSize: 2 }),
      {
        personalData: await openPersonalData({
          connectionString: database.url,
          poolSize: 1,
          erasureSweepMs: 3_600_000,
        }),
      },
    );
    try {
      await own.appendToStream('user-usr_c', [registered('usr_c')], { expectedRevision: 'no_stream' });
      await own.appendToStream('user-usr_d', [registered('usr_d')], { expectedRevision: 'no_stream' });
      // Both keys are now cached, and used: the reads decrypt.
      expect((await own.readStream('user-usr_c'))[0]!.data.email).toBe(planted.email);
      expect((await own.readStream('user-usr_d'))[0]!.data.email).toBe(planted.email);

      // Erased through this process's key store: its cache forgets the key with the destruction.
      await personalDataOf(own).destroyKey('usr_c');
      expect((await own.readStream('user-usr_c'))[0]!.data.email).toBe('[erased]');
      await expect(
        own.appendToStream('order-ord_c', [placed('usr_c')], { expectedRevision: 'no_stream' }),
      ).rejects.toMatchObject({ code: 'RES_3001' });

      // Erased by another process (the shared store here): this one learns it from the UserErased event.
      await personalDataOf(store).destroyKey('usr_d');
      expect((await own.readStream('user-usr_d'))[0]!.data.email).toBe(planted.email);
      await store.appendToStream('user-usr_d', [
        { id: randomUUID(), type: 'UserErased', data: { schema_version: 1, user_id: 'usr_d' } },
      ]);
      const [first, erasure] = await own.readStream('user-usr_d');
      expect(erasure!.type).toBe('UserErased');
      expect(first!.data.email).toBe('[erased]');
      expect((await own.readStream('user-usr_d'))[0]!.data.email).toBe('[erased]');
    } finally {
      await own.close();
    }
  });

  it('refuses to open with a wrong master key, and rotation rewraps the keys so every event still decrypts', async () => {
    await store.appendToStream('user-usr_b', [registered('usr_b')], { expectedRevision: 'no_stream' });
    const wrong = randomBytes(32);
    await expect(openPersonalData({ connectionString: database.url, masterKey: wrong })).rejects.toThrow(
      MasterKeyError,
    );
    await expect(openPersonalData({ connectionString: database.url, masterKey: wrong })).rejects.toThrow(
      /DATA_ENCRYPTION_KEY is not the master key/,
    );

    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const oldKey = resolveMasterKey({ NODE_ENV: 'test' });
    const newKey = randomBytes(32);
    const { rewrapped } = await rotateMasterKey(pool, oldKey, newKey);
    await pool.end();
    expect(rewrapped).toBeGreaterThanOrEqual(1);
    await expect(openPersonalData({ connectionString: database.url, masterKey: oldKey })).rejects.toThrow(
      MasterKeyError,
    );
    const rotated = composeStore(
      await createPostgresEventStore({ connectionString: database.url, poolSize: 2 }),
      {
        personalData: await openPersonalData({
          connectionString: database.url,
          masterKey: newKey,
          poolSize: 1,
        }),
      },
    );
    try {
      const [user] = await rotated.readStream('user-usr_b');
      expect(user!.data.email).toBe(planted.email);
      const all = await rotated.readAll();
      expect(all.events.every((e) => !/pd[12]\./.test(JSON.stringify(e.data)))).toBe(true);
      // The email lookup key survives the rotation: the same address names the same claim stream.
      expect(personalDataOf(rotated).emailLookup('a@b.c')).toBe(personalDataOf(store).emailLookup('a@b.c'));
    } finally {
      await rotated.close();
    }
  });
});
