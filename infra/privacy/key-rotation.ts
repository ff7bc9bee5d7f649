import type pg from 'pg';
import { checkMasterKey, type MasterRow, subjectAad } from './key-store.ts';
import {
  fingerprint,
  KEY_CHECK_AAD,
  KEY_CHECK_PLAINTEXT,
  type Key,
  LOOKUP_KEY_AAD,
  open,
  seal,
} from './master-key.ts';

const BATCH = 1_000;

/**
 * Master key rotation: every data key and the lookup key are unwrapped with the old master key and
 * wrapped with the new one, and the key check value replaced, in one transaction. Events are not
 * touched: they are encrypted under the data keys, which do not change. Processes still running with
 * the old key keep their cached keys but can make no new ones; restart them with the new key.
 */
export async function rotateMasterKey(
  pool: pg.Pool,
  oldKey: Key,
  newKey: Key,
): Promise<{ rewrapped: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<MasterRow>(
      'SELECT fingerprint, key_check, wrapped_lookup_key FROM personal_data_master WHERE id = 1 FOR UPDATE',
    );
    if (!rows[0]) throw new Error('no personal data key store in this database yet: nothing to rotate');
    const lookupKey = checkMasterKey(rows[0], oldKey);
    let rewrapped = 0;
    let after = '';
    for (;;) {
      const page = await client.query<{ subject_id: string; wrapped_key: Buffer }>(
        `SELECT subject_id, wrapped_key FROM personal_data_keys
         WHERE wrapped_key IS NOT NULL AND subject_id > $1 ORDER BY subject_id LIMIT ${BATCH} FOR UPDATE`,
        [after],
      );
      if (page.rows.length === 0) break;
      const subjects = page.rows.map((r) => r.subject_id);
      const wrapped = page.rows.map((r) =>
        seal(newKey, open(oldKey, r.wrapped_key, subjectAad(r.subject_id)), subjectAad(r.subject_id)),
      );
      await client.query(
        `UPDATE personal_data_keys k SET wrapped_key = u.wrapped
         FROM unnest($1::text[], $2::bytea[]) AS u(subject_id, wrapped) WHERE k.subject_id = u.subject_id`,
        [subjects, wrapped],
      );
      rewrapped += page.rows.length;
      after = subjects.at(-1)!;
    }
    await client.query(
      `UPDATE personal_data_master SET fingerprint = $1, key_check = $2, wrapped_lookup_key = $3, rotated_at = now()
       WHERE id = 1`,
      [
        fingerprint(newKey),
        seal(newKey, KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD),
        seal(newKey, lookupKey, LOOKUP_KEY_AAD),
      ],
    );
    await client.query('COMMIT');
    return { rewrapped };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
