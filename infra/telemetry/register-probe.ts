/**
 * Run by register.int.test.ts under the image's start flags
 * (`node --import tsx --import ./infra/telemetry/register.ts …`): serves one request through
 * express that queries PostgreSQL, and prints what tracing saw as one JSON line. Not used by the service.
 */
import express from 'express';
import pg from 'pg';
import { httpMetrics } from './http-metrics.ts';
import { createMetrics } from './metrics.ts';
import { telemetryStatus } from './shutdown.ts';
import { currentTraceparent } from './trace-context.ts';

const databaseUrl = process.env.PROBE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const app = express();
// Mounted first, as both APIs mount it: it gives the HTTP span its route template.
app.use(httpMetrics(createMetrics({ runtime: false })));
// An asynchronous middleware and a router under a prefix, as the services have (auth, /api/v1): the route
// is matched after an await and below a mount path, and the HTTP span must still get the full template.
app.use(async (_req, _res, next) => {
  await new Promise((resolve) => setImmediate(resolve));
  next();
});
const probes = express.Router();
app.use('/api', probes);
probes.get('/probe/:id', async (_req, res) => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('SELECT 1');
  await client.end();
  // And through a pool, as the service queries: its checkouts get no span (sdk.ts), its query does.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await pool.query('SELECT 2');
  await pool.end();
  res.json({ traceparent: currentTraceparent() ?? null });
});
const server = app.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as { port: number };
  const body = (await (await fetch(`http://127.0.0.1:${port}/api/probe/1`)).json()) as {
    traceparent: string | null;
  };
  server.close();
  process.stdout.write(`${JSON.stringify({ ...telemetryStatus(), ...body })}\n`);
});
