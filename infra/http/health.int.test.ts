import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer } from '../../test/support/http.ts';
import { adminUrl } from '../../test/support/isolation.ts';
import { healthRoutes } from './health.ts';

const client = new pg.Client({ connectionString: adminUrl });
beforeAll(() => client.connect());
afterAll(() => client.end());

// /ready answers anyone: a dependency's failure is named, never quoted (no SQL, no value it held).
it('names a failed dependency check by what refused, not by the text PostgreSQL quoted', async () => {
  const email = 'heidi.ready@example.com';
  const app = express();
  app.use(
    healthRoutes({
      service: 'test',
      checks: [
        { name: 'postgres', check: async () => void (await client.query('SELECT $1::uuid', [email])) },
        { name: 'redis', check: async () => {} },
      ],
    }),
  );
  const server = await startTestServer(app);
  try {
    const ready = await server.request('GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.dependencies).toMatchObject({
      postgres: { status: 'down', error: 'DatabaseError 22P02 (routine string_to_uuid)' },
      redis: { status: 'up' },
    });
    expect(JSON.stringify(ready.body)).not.toContain(email);
  } finally {
    await server.close();
  }
});
