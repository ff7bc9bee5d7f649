import { type Kysely, sql } from 'kysely';

/** One read of audit data: who, what, when (`at`, set by the database), from where. */
export type AccessEntry = {
  userId: string | null;
  role: string | null;
  /** False when the caller was refused (e.g. a customer): attempts are recorded too. */
  allowed: boolean;
  /** `http` for the query API, `cli` for bin/audit. */
  channel: 'http' | 'cli';
  method: string;
  path: string;
  query: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
};

export type AccessRecord = {
  id: string;
  at: string;
  user_id: string | null;
  role: string | null;
  allowed: boolean;
  channel: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
};

export type AccessLog = {
  record(entry: AccessEntry): Promise<void>;
  /** Oldest first, after the entry id `after` (exclusive); optionally one user's reads. */
  list(options: { after?: bigint; limit: number; userId?: string }): Promise<AccessRecord[]>;
};

type Row = Omit<AccessRecord, 'at' | 'id'> & { id: string; at: Date };

/** The audit-access log in PostgreSQL (table from migration audit/001, append-only by trigger). */
// biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
export function createAccessLog(db: Kysely<any>): AccessLog {
  return {
    async record(entry) {
      await sql`INSERT INTO audit_access_log
          (user_id, role, allowed, channel, method, path, query, ip, user_agent, request_id)
        VALUES (${entry.userId}, ${entry.role}, ${entry.allowed}, ${entry.channel}, ${entry.method},
          ${entry.path}, ${JSON.stringify(entry.query)}::jsonb, ${entry.ip}, ${entry.userAgent}, ${entry.requestId})`.execute(
        db,
      );
    },
    async list({ after, limit, userId }) {
      const { rows } =
        await sql<Row>`SELECT id::text AS id, at, user_id, role, allowed, channel, method, path,
          query, ip, user_agent, request_id
        FROM audit_access_log
        WHERE id > ${(after ?? 0n).toString()}::bigint
          AND (${userId ?? null}::text IS NULL OR user_id = ${userId ?? null}::text)
        ORDER BY id LIMIT ${limit}`.execute(db);
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    },
  };
}
