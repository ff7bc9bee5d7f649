import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../infra/config.ts';
import { createMetrics } from '../infra/telemetry/metrics.ts';

/**
 * Issue 19: what an operator reads must cover what the code has. Generic on purpose: a variable added to
 * the config schema, or a metric added anywhere, fails here until docs/operations.md names it.
 */
const root = resolve(import.meta.dirname, '..');
const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
const documented = (name: string) => operations.includes(`\`${name}\``);
const runtime = (name: string) => name.startsWith('process_') || name.startsWith('nodejs_');

/** The TypeScript sources of the project (tests included: they must not invent metrics either). */
function sources(): { path: string; text: string }[] {
  const skip = new Set(['node_modules', '.git', 'coverage', '.broker', 'target']);
  const found: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) found.push({ path, text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return found;
}

describe('docs/operations.md and the config schema', () => {
  it('names every environment variable of infra/config.ts', () => {
    const missing = Object.keys(configSchema.shape).filter((name) => !documented(name));
    expect(missing).toEqual([]);
  });
});

describe('the metrics of GET /metrics', () => {
  it('each has help text, and no gauge carries the counter suffix _total', async () => {
    const metrics = await createMetrics().registry.getMetricsAsJSON();
    expect(metrics.length).toBeGreaterThan(20);
    expect(metrics.filter((m) => !m.help?.trim()).map((m) => m.name)).toEqual([]);
    expect(
      metrics.filter((m) => String(m.type) === 'gauge' && m.name.endsWith('_total')).map((m) => m.name),
    ).toEqual([]);
  });

  it('each of the shop (not the Node runtime) is listed in docs/operations.md', async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((name) => !runtime(name) && !documented(name))).toEqual([]);
  });

  it('are all defined in infra/telemetry/metrics.ts, the one registry of a process', () => {
    const home = join(root, 'infra', 'telemetry', 'metrics.ts');
    const elsewhere = sources()
      .filter(({ path }) => path !== home && !path.endsWith('.test.ts'))
      .filter(({ text }) => /\bnew (Counter|Gauge|Histogram|Summary|Registry)\b|\bmetrics\.inc\(/.test(text))
      .map(({ path }) => path.slice(root.length + 1));
    expect(elsewhere).toEqual([]);
  });
});
