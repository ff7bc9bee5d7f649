import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { type Request, type RequestHandler, Router } from 'express';
import { errorKind } from '../log-errors.ts';
import type { ShopMetrics } from './metrics.ts';

/**
 * The route template of a request (`/api/v1/cart/items/:item_id`), never the raw path: raw paths
 * carry ids, and a label per id would grow the series without bound. Unmatched requests are
 * labelled `unmatched`.
 */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl}${path}` || '/';
}

/**
 * Express middleware: counts and times every request by method, route template and status. Mount
 * it first. It notes the route template when Express matches a route (`req.route` is assigned),
 * because by the time the response finishes an error may have unwound the routers and reset
 * `req.baseUrl`, which would drop the mount prefix from the label. The same template goes to the
 * request's HTTP server span (`http.route`, and the span's name), as an Express instrumentation would
 * set it (infra/telemetry/sdk.ts runs none).
 */
export function httpMetrics(metrics: ShopMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let matched: unknown;
    let label: string | undefined;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => matched,
      set(value: unknown) {
        matched = value;
        label = routeLabel(req);
        res.locals.route = label; // for the request's log line (request-context.ts)
        const traced = getRPCMetadata(context.active());
        if (traced?.type === RPCType.HTTP) traced.route = label;
      },
    });
    res.once('finish', () => {
      const route = label ?? routeLabel(req);
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/**
 * GET /metrics in Prometheus text format: the process's one registry, or with API workers the whole
 * group's sum (cluster-metrics.ts); 503 when that sum cannot be gathered, so a scrape fails visibly
 * instead of reporting a counter that went down.
 */
export function metricsRoute(metrics: ShopMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    let text: string;
    try {
      text = await metrics.render();
    } catch (error) {
      // Its kind, never its message (infra/log-errors.ts): the scrape's answer is a response like any other.
      res
        .status(503)
        .type('text/plain')
        .send(`${errorKind(error)}\n`);
      return;
    }
    res.setHeader('Content-Type', metrics.contentType);
    res.send(text);
  });
  return router;
}
