import { type Kysely, sql } from 'kysely';

export type TableDiff = { table: string; onlyInA: number; onlyInB: number };

/**
 * Compares every table of schema `a` with the same-named table of schema `b`, row by row (EXCEPT ALL both
 * ways, so duplicates count). Tables missing on either side count all their rows.
 */
// biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
export async function diffSchemas(db: Kysely<any>, a: string, b: string): Promise<TableDiff[]> {
  const tables = await sql<{ table_schema: string; table_name: string }>`
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_schema IN (${a}, ${b}) AND table_type = 'BASE TABLE'`.execute(db);
  const names = new Set(tables.rows.map((r) => r.table_name));
  const has = (schema: string, name: string) =>
    tables.rows.some((r) => r.table_schema === schema && r.table_name === name);
  const diffs: TableDiff[] = [];
  for (const name of [...names].sort()) {
    const ta = sql.table(`${a}.${name}`);
    const tb = sql.table(`${b}.${name}`);
    if (!has(a, name) || !has(b, name)) {
      const count = async (t: typeof ta) =>
        Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${t}`.execute(db)).rows[0]?.n ?? 0);
      diffs.push({
        table: name,
        onlyInA: has(a, name) ? await count(ta) : 0,
        onlyInB: has(b, name) ? await count(tb) : 0,
      });
      continue;
    }
    const { rows } = await sql<{ only_a: string; only_b: string }>`
      SELECT (SELECT count(*) FROM (SELECT * FROM ${ta} EXCEPT ALL SELECT * FROM ${tb}) x)::text AS only_a,
             (SELECT count(*) FROM (SELECT * FROM ${tb} EXCEPT ALL SELECT * FROM ${ta}) y)::text AS only_b`.execute(
      db,
    );
    diffs.push({ table: name, onlyInA: Number(rows[0]?.only_a ?? 0), onlyInB: Number(rows[0]?.only_b ?? 0) });
  }
  return diffs;
}
