import { sql } from 'kysely';
import type { PgProjection, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { ERASED, identityEventSchemas } from '../../domain/identity/events.ts';
import { userLifecycleEventSchemas } from '../../domain/identity/lifecycle-events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/**
 * The users read model, shaped for GET /users/me: one row per user, its own shape (never the user
 * aggregate's state). It lives in PostgreSQL beside the other read models that hold decrypted personal
 * data, not in Redis (whose bytes the privacy scan holds to ciphertext only), and `UserErased` masks it.
 * Rows carry the stream revision they reflect, so an older event never overwrites a newer state and a
 * replay changes nothing.
 */
export type UserProfileRow = {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  role: string;
  email_verified: boolean;
  marketing_emails: boolean;
  erased: boolean;
  revision: string;
};

const ddl = (schema: string) => `
CREATE TABLE ${schema}.user_profiles (
  user_id text PRIMARY KEY,
  email text NOT NULL,
  first_name text NOT NULL,
  last_name text NOT NULL,
  phone text,
  role text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  marketing_emails boolean NOT NULL DEFAULT false,
  erased boolean NOT NULL DEFAULT false,
  revision bigint NOT NULL
);
`;

const schemas = { ...identityEventSchemas, ...userLifecycleEventSchemas } as Record<
  string,
  { parse: (data: unknown) => unknown }
>;

/** The column changes an event makes to its user's row (UserRegistered inserts instead). */
function changesOf(type: string, data: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'UserProfileChanged': {
      const changes: Record<string, unknown> = {};
      for (const field of ['first_name', 'last_name', 'phone'])
        if (data[field] !== undefined) changes[field] = data[field];
      return changes;
    }
    case 'UserRoleGranted':
      return { role: data.role };
    case 'EmailVerified':
      return { email_verified: true };
    case 'MarketingPreferenceChanged':
      return { marketing_emails: data.marketing_emails };
    case 'UserErased':
      return {
        email: ERASED,
        first_name: ERASED,
        last_name: ERASED,
        phone: null,
        marketing_emails: false,
        erased: true,
      };
    default:
      return {};
  }
}

async function apply(event: RecordedEvent, trx: ReadModelTrx, schema: string) {
  const data = schemas[event.type]!.parse(event.data) as Record<string, unknown> & { user_id: string };
  const table = sql.table(`${schema}.user_profiles`);
  const revision = event.revision.toString();
  if (event.type === 'UserRegistered') {
    await sql`INSERT INTO ${table} (user_id, email, first_name, last_name, phone, role, revision)
      VALUES (${data.user_id}, ${data.email}, ${data.first_name}, ${data.last_name}, ${data.phone ?? null},
        ${data.role}, ${revision})
      ON CONFLICT (user_id) DO NOTHING`.execute(trx);
    return;
  }
  const changes = Object.entries(changesOf(event.type, data));
  const sets = [
    ...changes.map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
    sql`revision = ${revision}`,
  ];
  await sql`UPDATE ${table} SET ${sql.join(sets)}
    WHERE user_id = ${data.user_id} AND revision < ${revision}`.execute(trx);
}

export const usersProjection: PgProjection = {
  kind: 'postgres',
  name: 'users',
  eventTypes: [
    'UserRegistered',
    'UserProfileChanged',
    'UserRoleGranted',
    'UserErased',
    ...Object.keys(userLifecycleEventSchemas),
  ],
  ddl,
  apply: (event, trx, context) => apply(event, trx, context.schema),
};
