import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Runs the probe with the Dockerfile's start flags, so the image's entry command is exercised here. */
function probe(env: Record<string, string>) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './infra/telemetry/register.ts', 'infra/telemetry/register-probe.ts'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    },
  );
  const lines = run.stdout.trim().split('\n');
  return { ...run, result: JSON.parse(lines[lines.length - 1] ?? '{}'), lines };
}

describe('node --import ./infra/telemetry/register.ts', () => {
  it('without OTEL_EXPORTER_OTLP_ENDPOINT: traces in process, exports nothing, prints nothing, exits 0', () => {
    const run = probe({});
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.lines).toHaveLength(1);
    expect(run.result).toMatchObject({ started: true, exporting: false });
    // The request handler ran inside the HTTP server span auto-instrumentation opened.
    expect(run.result.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('with an endpoint: exports the spans of http and pg, the HTTP span named by its route', () => {
    const run = probe({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_EXPORTER: 'console',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ started: true, exporting: true });
    const printed = run.stdout;
    for (const scope of ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg']) {
      expect(printed, scope).toContain(scope);
    }
    // sdk.ts runs no Express instrumentation (its cost); the HTTP span carries the route template, mount
    // path included, which httpMetrics notes when Express matches the route after an async middleware.
    expect(printed).toContain("'http.route': '/api/probe/:id'");
    expect(printed).toContain("name: 'GET /api/probe/:id'");
    // Both queries have their span; connecting and checking a client out of the pool have none (sdk.ts).
    expect(printed.match(/name: 'pg\.query:SELECT /g)).toHaveLength(2);
    expect(printed).not.toMatch(/name: 'pg(-pool)?\.connect'/);
    const traceId = run.result.traceparent.split('-')[1];
    expect(printed).toContain(`traceId: '${traceId}'`);
  });

  it('OTEL_SDK_DISABLED=true turns tracing off altogether', () => {
    const run = probe({ OTEL_SDK_DISABLED: 'true' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ started: true, exporting: false, traceparent: null });
  });
});
