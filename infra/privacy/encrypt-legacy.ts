import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { emailStreamName } from '../../domain/identity/email.ts';
import type { Config } from '../config.ts';
import { composeStore } from '../eventstore/decorate-store.ts';
import { VersionConflict } from '../eventstore/errors.ts';
import { eventHash, GENESIS_HASH, HASH_KEY, storedHash } from '../eventstore/hash-chain/chain.ts';
import type { EventMetadata } from '../eventstore/port.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import type { Logger } from '../logger.ts';
import { maskPersonalFields, sealPersonalFields } from './event-envelope.ts';
import { isSealedField } from './field-cipher.ts';
import { openKeyStore } from './key-store.ts';
import type { Key } from './master-key.ts';
import { type PersonalData, personalDataFrom } from './personal-data.ts';
import { personalFields } from './personal-fields.ts';

type Row = {
  global_position: string;
  event_id: string;
  stream_revision: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

/** True when some personal field of the event is present in plain text. */
function hasPlainFields(type: string, data: Record<string, unknown>): boolean {
  const rule = personalFields[type];
  if (!rule) return false;
  let plain = false;
  for (const path of rule.fields) {
    const value = path
      .split('.')
      .reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
        data,
      );
    if (value !== undefined && value !== null && !isSealedField(value)) plain = true;
  }
  return plain;
}

/**
 * The migration of events written before encryption (docs/privacy.md, "Events from before"): in each
 * stream holding plain personal fields, those fields are replaced in place by ciphertext under the
 * person's key ("[erased]" when the person is already erased), the stream's hash chain is recomputed
 * from the first changed event, and every change is recorded in `personal_data_rewrites` with the
 * hashes before and after. One transaction per stream, holding the stream's row lock so no append
 * interleaves. PostgreSQL event store only; run it with the writers stopped (their cached chain heads
 * would be stale) and restart them after.
 */
export async function encryptLegacyPersonalData(options: { config: Config; masterKey: Key; logger: Logger }) {
  if (options.config.EVENTSTORE_CONNECTION_STRING)
    throw new Error(
      'encrypt-legacy rewrites the PostgreSQL event store only (see docs/privacy.md for EventStoreDB)',
    );
  const pool = new pg.Pool({
    connectionString: options.config.DATABASE_URL,
    max: 2,
    application_name: 'keys-cli',
  });
  try {
    const keys = await openKeyStore({ pool, masterKey: options.masterKey, logger: options.logger });
    const { rows: candidates } = await pool.query<{
      stream_name: string;
      type: string;
      data: Record<string, unknown>;
    }>('SELECT stream_name, type, data FROM messages WHERE type = ANY($1::text[]) ORDER BY global_position', [
      Object.keys(personalFields),
    ]);
    const streams = [
      ...new Set(candidates.filter((c) => hasPlainFields(c.type, c.data)).map((c) => c.stream_name)),
    ];
    // Plain emails, read before they are encrypted: their claims move to the keyed-hash stream names.
    const emails = candidates.flatMap((c) =>
      c.type === 'UserRegistered' && typeof c.data.email === 'string' && !isSealedField(c.data.email)
        ? [{ userId: String(c.data.user_id), email: c.data.email }]
        : [],
    );
    let events = 0;
    for (const stream of streams) events += await rewriteStream(pool, keys, stream);
    const claims = await reclaimEmails(options.config.DATABASE_URL, personalDataFrom(keys), emails);
    options.logger.info({ streams: streams.length, events, claims }, 'legacy personal data encrypted');
    return { streams: streams.length, events, claims };
  } finally {
    await pool.end();
  }
}

async function rewriteStream(pool: pg.Pool, keys: Awaited<ReturnType<typeof openKeyStore>>, stream: string) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT revision FROM streams WHERE stream_name = $1 FOR UPDATE', [stream]);
    const { rows } = await client.query<Row>(
      `SELECT global_position, event_id, stream_revision, type, data, metadata FROM messages
       WHERE stream_name = $1 ORDER BY stream_revision`,
      [stream],
    );
    let previous = GENESIS_HASH;
    let rechain = false;
    let changed = 0;
    for (const row of rows) {
      const oldHash = storedHash(row.metadata);
      let data = row.data;
      let change: 'encrypted' | 'masked' | 'rechained' | undefined;
      const rule = personalFields[row.type];
      const subject = rule?.subject(row.data);
      if (rule && subject && hasPlainFields(row.type, row.data)) {
        const key = await keys.keyForWriting(subject).catch(() => 'erased' as const);
        data =
          key === 'erased'
            ? maskPersonalFields(row.data, rule)
            : sealPersonalFields(row.data, rule, subject, key, { keepSealed: true });
        change = key === 'erased' ? 'masked' : 'encrypted';
        rechain = true;
      }
      // Events written before the chain began carry no hash: their data changes, no hash is invented.
      const newHash =
        oldHash === undefined
          ? undefined
          : eventHash(previous, { type: row.type, data, metadata: row.metadata });
      if (newHash !== undefined && newHash !== oldHash && rechain) change ??= 'rechained';
      if (change) {
        const metadata = newHash === undefined ? row.metadata : { ...row.metadata, [HASH_KEY]: newHash };
        await client.query('UPDATE messages SET data = $2, metadata = $3 WHERE global_position = $1', [
          row.global_position,
          JSON.stringify(data),
          JSON.stringify(metadata),
        ]);
        await client.query(
          `INSERT INTO personal_data_rewrites (event_id, stream_name, stream_revision, old_hash, new_hash, change)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [row.event_id, stream, row.stream_revision, oldHash ?? null, newHash ?? null, change],
        );
        changed += 1;
      }
      previous = newHash ?? oldHash ?? previous;
    }
    await client.query('COMMIT');
    return changed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Claims each legacy email under its keyed-hash stream (useremail-<hmac>), so that login finds it;
 * an address already claimed there is left alone. The old useremail-<sha256> streams stay (docs/privacy.md).
 */
async function reclaimEmails(
  url: string,
  personalData: PersonalData,
  emails: { userId: string; email: string }[],
) {
  const store = composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 1 }), {
    personalData: { ...personalData, close: async () => {} },
  });
  let claimed = 0;
  try {
    for (const { userId, email } of emails) {
      const event = {
        id: randomUUID(),
        type: 'EmailClaimed',
        data: { schema_version: 1, user_id: userId, claimed_at: new Date().toISOString() },
        metadata: { correlation_id: 'encrypt-legacy', user_id: 'system' },
      };
      try {
        await store.appendToStream(emailStreamName(personalData.emailLookup(email)), [event], {
          expectedRevision: 'no_stream',
        });
        claimed += 1;
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
      }
    }
  } finally {
    await store.close();
  }
  return claimed;
}
