// The baseline the issue names for GET /products/{id} and GET /cart: a bare Express app answering with one
// Redis GET of the very JSON the query API answered (bench/queries/run.ts stores it under `baseline:`
// keys before the load). Its own child process, without OpenTelemetry, auth, helmet, request ids, rate
// limit or consistency check. Env: REDIS_URL, BENCH_REDIS_PREFIX.
import express from 'express';
import { pino } from 'pino';
import { listen } from '../../infra/http/server.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { baselineKey } from './fill.ts';

const logger = pino({ level: 'warn' });
const redis = createRedis({ url: process.env.REDIS_URL!, keyPrefix: process.env.BENCH_REDIS_PREFIX! });
const app = express();
const answer = async (key: string, res: express.Response) => {
  const json = await redis.get(key);
  if (json === null) return void res.status(404).json({ error: 'not found' });
  res.type('application/json').send(json);
};
app.get('/api/v1/products/:product_id', (req, res) => answer(baselineKey(req.path), res));
// The user rides in a header here: the baseline verifies nothing.
app.get('/api/v1/cart', (req, res) => answer(baselineKey(req.path, String(req.get('x-user'))), res));
const server = await listen(app, { port: 0, host: '127.0.0.1', logger });

process.send?.({ url: server.url });
process.on('message', async (message) => {
  // The process's CPU time so far: run.ts takes the difference over a measured run (CPU per request).
  if (message === 'cpu') return void process.send?.({ cpu: process.cpuUsage() });
  if (message !== 'stop') return;
  await server.close();
  redis.disconnect();
  process.exit(0);
});
