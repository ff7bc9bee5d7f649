import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** `redocly lint` of one API of redocly.yaml (the recommended ruleset), as its JSON report. */
function lint(api: string) {
  const run = spawnSync(resolve(root, 'node_modules/.bin/redocly'), ['lint', api, '--format=json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    // No telemetry or update check: the test must not reach the network.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout) as {
    totals: { errors: number; warnings: number };
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
  };
  return { status: run.status, report };
}

describe('Redocly lint, recommended ruleset (issue 13: 0 errors; warnings allowed)', () => {
  it.each(['command-api', 'query-api'])(
    '%s has no error',
    (api) => {
      const { status, report } = lint(api);
      const errors = report.problems
        .filter((problem) => problem.severity === 'error')
        .map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
      expect(status).toBe(0);
    },
    60_000,
  );
});
