import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { UserProfileRow } from '../projections/users/users-projection.ts';

/** The caller's row, or undefined when the user is unknown to the serving generation. */
export async function userProfile(
  db: ReadModelDb,
  schema: string,
  userId: string,
): Promise<UserProfileRow | undefined> {
  const { rows } = await sql<UserProfileRow>`SELECT * FROM ${sql.table(`${schema}.user_profiles`)}
    WHERE user_id = ${userId}`.execute(db);
  return rows[0];
}
