import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl } from '../test/support/isolation.ts';
import { captureLogs } from '../test/support/log-capture.ts';
import { describeError } from './log-errors.ts';

const client = new pg.Client({ connectionString: adminUrl });
beforeAll(() => client.connect());
afterAll(() => client.end());

const refusal = (sql: string, values: unknown[] = []) =>
  client.query(sql, values).then(
    () => {
      throw new Error(`expected PostgreSQL to refuse: ${sql}`);
    },
    (error: unknown) => error,
  );

// The guide: no stack trace, SQL, secret or personal data reaches a log line; here, through an error.
describe("a logged error (the logger's err serializer)", () => {
  it('shows a PostgreSQL error by its SQLSTATE and names, without the value it quoted or a stack', async () => {
    const email = 'alice.logged@example.com';
    const error = await refusal('SELECT $1::uuid', [email]);
    expect(String((error as Error).message)).toContain(email); // what PostgreSQL said, before the logger
    const { logger, lines } = captureLogs();
    logger.error({ err: error }, 'unhandled error');
    logger.error(error as Error); // an error as the first argument goes through the same serializer
    logger.warn({ err: error }); // no message: pino would make the error's message the line's msg
    for (const line of lines) {
      expect(line).not.toContain(email);
      expect(line).not.toContain('\\n'); // one frame at most, no stack
      const logged = JSON.parse(line).err;
      expect(logged).not.toHaveProperty('stack');
      expect(logged).not.toHaveProperty('message');
      expect(logged.at).toContain('log-errors.int.test.ts'); // our frame, not the driver's
      expect(logged).toMatchObject({
        type: 'DatabaseError',
        code: '22P02',
        routine: 'string_to_uuid',
      });
    }
  });

  it('keeps the names of a refusing constraint, not the row it quoted in its detail', async () => {
    await client.query('CREATE TEMP TABLE logged_users (email text PRIMARY KEY)');
    await client.query("INSERT INTO logged_users VALUES ('bob.logged@example.com')");
    const error = await refusal("INSERT INTO logged_users VALUES ('bob.logged@example.com')");
    expect((error as pg.DatabaseError).detail).toContain('bob.logged@example.com');
    const { logger, lines } = captureLogs();
    logger.warn({ err: error }, 'append failed');
    expect(lines[0]).not.toContain('bob.logged');
    expect(lines[0]).not.toContain('INSERT');
    expect(JSON.parse(lines[0]!).err).toEqual({
      type: 'DatabaseError',
      code: '23505',
      constraint: 'logged_users_pkey',
      table: 'logged_users',
      routine: expect.any(String),
      at: expect.any(String),
    });
  });

  it("shows another error's type, message, code, first frame and cause, never its stack", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = new TypeError('the store is closed', { cause });
    const { logger, lines } = captureLogs();
    logger.child({ role: 'projections' }).error({ err: error }, 'runner stopped');
    logger.warn({ err: 'a message alone' }, 'text');
    logger.warn({ err: Object.assign(new Error('gave up'), { name: 'AbortError' }) }, 'renamed');
    const logged = JSON.parse(lines[0]!).err;
    expect(logged).toMatchObject({
      type: 'TypeError',
      message: 'the store is closed',
      at: expect.stringContaining('log-errors.int.test.ts'),
      cause: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    });
    expect(logged).not.toHaveProperty('stack');
    expect(lines[0]).not.toContain('\\n');
    expect(JSON.parse(lines[1]!).err).toBe('a message alone');
    expect(JSON.parse(lines[2]!).err).toMatchObject({
      type: 'Error',
      name: 'AbortError',
      message: 'gave up',
    });
  });
});

describe('an error described in one line (describeError: /ready, dead letters)', () => {
  it('names a PostgreSQL error by its SQLSTATE and names, never the value it quoted', async () => {
    const error = await refusal('SELECT $1::uuid', ['dave.described@example.com']);
    expect(describeError(error)).toBe('DatabaseError 22P02 (routine string_to_uuid)');
    await client.query('CREATE TEMP TABLE described_users (email text PRIMARY KEY)');
    await client.query("INSERT INTO described_users VALUES ('erin@example.com')");
    const duplicate = await refusal("INSERT INTO described_users VALUES ('erin@example.com')");
    expect(describeError(duplicate)).toMatch(
      /^DatabaseError 23505 \(constraint described_users_pkey, table described_users, routine \w+\)$/,
    );
  });

  it("says another error's type, code, message and cause; a thrown non-Error only its kind", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(new TypeError('the store is closed', { cause }))).toBe(
      'TypeError: the store is closed; cause: Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeError('frank@example.com')).toBe('thrown string');
  });

  it('leaves out the text JSON.parse quotes when it refuses it, here and in a log line', () => {
    const refused = (text: string) => {
      try {
        JSON.parse(text);
      } catch (error) {
        return error;
      }
      throw new Error('expected JSON.parse to refuse');
    };
    for (const text of ['grace@example.com', `grace@example.com ${'x'.repeat(100)}`]) {
      const error = refused(text);
      expect(String((error as Error).message)).toContain('grace@'); // what V8 said
      expect(describeError(error)).toBe(
        "SyntaxError: Unexpected token 'g', (input not shown) is not valid JSON",
      );
      const { logger, lines } = captureLogs();
      logger.warn({ err: error }, 'parse failed');
      expect(lines[0]).not.toContain('grace@');
    }
  });
});
