import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../../application/audit/test-fixtures.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { loadConfig } from '../config.ts';
import { composeStore } from '../eventstore/decorate-store.ts';
import { verifyChains } from '../eventstore/hash-chain/verify-chain.ts';
import { withHashChain } from '../eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../eventstore/port.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { encryptLegacyPersonalData } from './encrypt-legacy.ts';
import { resolveMasterKey } from './master-key.ts';
import { openPersonalData, personalDataOf } from './personal-data.ts';

const email = 'legacy.plainperson@example.net';
const street = '9 Oldfashioned Row';

describe('npm run keys -- encrypt-legacy', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let raw: EventStore;
  let sql: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase('encrypt_legacy');
    raw = await createPostgresEventStore({ connectionString: database.url, poolSize: 2 });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await raw.close();
    await database.drop();
  });

  it('encrypts plain events in place, re-chains them with a record, and moves the email claim', async () => {
    // What the log looked like before this change: plain fields, a claim under the unkeyed SHA-256.
    const before = withHashChain(raw);
    const at = '2026-01-01T00:00:00.000Z';
    const user = (id: string, type: string, data: Record<string, unknown>) => ({
      id: randomUUID(),
      type,
      data: { schema_version: 1, user_id: id, ...data },
    });
    const sha = createHash('sha256').update(email).digest('hex');
    await before.appendToStream(`useremail-${sha}`, [user('usr_old', 'EmailClaimed', { claimed_at: at })]);
    await before.appendToStream('user-usr_old', [
      user('usr_old', 'UserRegistered', {
        email,
        first_name: 'Olde',
        last_name: 'Worlde',
        phone: null,
        role: 'customer',
        registered_at: at,
      }),
      user('usr_old', 'UserRoleGranted', {
        role: 'admin',
        previous_role: 'customer',
        granted_by: 'system',
        granted_at: at,
      }),
    ]);
    const address = { street, city: 'Yore', state: 'Y', postal_code: 'Y1', country: 'GB' };
    await before.appendToStream('order-ord_old', [
      user('usr_old', 'OrderPlaced', {
        order_id: 'ord_old',
        shipping_address: address,
        billing_address: address,
      }),
    ]);

    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
    const report = await encryptLegacyPersonalData({
      config,
      masterKey: resolveMasterKey(config),
      logger: pino({ level: 'silent' }),
    });
    expect(report).toEqual({ streams: 2, events: 3, claims: 1 });

    const { rows } = await sql.query<{ t: string }>("SELECT string_agg(data::text, ' ') AS t FROM messages");
    for (const value of [email, 'Olde', 'Worlde', street]) expect(rows[0]!.t).not.toContain(value);
    await allVisible(sql);
    expect((await verifyChains(raw)).breaks).toHaveLength(0);
    const record = await sql.query('SELECT change FROM personal_data_rewrites ORDER BY id');
    expect(record.rows.map((r) => r.change)).toEqual(['encrypted', 'rechained', 'encrypted']);

    const store = composeStore(
      await createPostgresEventStore({ connectionString: database.url, poolSize: 1 }),
      {
        personalData: await openPersonalData({ connectionString: database.url, poolSize: 1 }),
      },
    );
    try {
      const [registered] = await store.readStream('user-usr_old');
      expect(registered!.data).toMatchObject({ email, first_name: 'Olde' });
      const claim = await store.readStream(`useremail-${personalDataOf(store).emailLookup(email)}`);
      expect(claim[0]!.data.user_id).toBe('usr_old');
      // A second run finds nothing left to do.
      const again = await encryptLegacyPersonalData({
        config,
        masterKey: resolveMasterKey(config),
        logger: pino({ level: 'silent' }),
      });
      expect(again).toEqual({ streams: 0, events: 0, claims: 0 });
    } finally {
      await store.close();
    }
  });
});
