import type { Server } from 'node:http';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpMetrics, metricsRoute } from './http-metrics.ts';
import { createMetrics } from './metrics.ts';

const metrics = createMetrics({ runtime: false });
let server: Server;
let base: string;

beforeAll(async () => {
  const api = Router();
  api.get('/items/:item_id', (_req, res) => void res.json({ ok: true }));
  api.post('/items/:item_id/fail', () => {
    throw new Error('handler failed');
  });
  const app = express();
  app.use(httpMetrics(metrics));
  app.use(metricsRoute(metrics));
  app.use('/api/v1', api);
  app.use(
    (_req: express.Request, res: express.Response) => void res.status(404).json({ error: 'not found' }),
  );
  app.use(
    (_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      void res.status(500).json({ error: 'internal' }),
  );
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const series = (text: string, name: string, labels: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${name}{${labels}} `))
      ?.split(' ')[1],
  );

describe('HTTP metrics', () => {
  it('labels requests by route template (never the raw path), method and status, errors included', async () => {
    await fetch(`${base}/api/v1/items/itm_1`);
    await fetch(`${base}/api/v1/items/itm_2`);
    await fetch(`${base}/api/v1/items/itm_3/fail`, { method: 'POST' });
    await fetch(`${base}/nowhere/abc`);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(
      series(text, 'http_requests_total', 'method="GET",route="/api/v1/items/:item_id",status="200"'),
    ).toBe(2);
    // The error unwound the router before the response finished; the label keeps the mount prefix.
    expect(
      series(text, 'http_requests_total', 'method="POST",route="/api/v1/items/:item_id/fail",status="500"'),
    ).toBe(1);
    expect(series(text, 'http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1);
    expect(
      series(
        text,
        'http_request_duration_seconds_count',
        'method="GET",route="/api/v1/items/:item_id",status="200"',
      ),
    ).toBe(2);
    expect(text).not.toContain('itm_1');
    // The runners' counters are in the same registry, so on the same page.
    expect(text).toContain('# TYPE projection_parked_events_total counter');
  });
});

describe('GET /metrics when the group sum cannot be gathered', () => {
  it('answers 503 with the reason by its code, no message and no stack, so the scrape fails visibly', async () => {
    const silent = Object.assign(new Error('metrics: 1 worker(s) did not answer within 5000 ms'), {
      code: 'METRICS_WORKERS_SILENT',
    });
    const failing = { ...metrics, render: () => Promise.reject(silent) };
    const app = express();
    app.use(metricsRoute(failing));
    const own = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const response = await fetch(`http://127.0.0.1:${(own.address() as { port: number }).port}/metrics`);
      expect(response.status).toBe(503);
      const body = await response.text();
      expect(body).toBe('Error METRICS_WORKERS_SILENT\n');
      expect(body).not.toMatch(/\n\s+at /);
      expect(body).not.toContain('# TYPE');
    } finally {
      await new Promise((resolve) => own.close(resolve));
    }
  });
});
