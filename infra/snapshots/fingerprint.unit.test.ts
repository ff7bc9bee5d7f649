import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from '../../test/boundaries.ts';
import { deciderFingerprint } from './fingerprint.ts';
import { defaultSnapshotPolicies } from './policies.ts';

const decider = { evolve: (s: number) => s, decide: () => [], initialState: () => 0 };

describe('decider fingerprint', () => {
  it('changes with the version and with any source in the folders, not with test files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fingerprint-'));
    const sources = [pathToFileURL(`${dir}/`)];
    writeFileSync(join(dir, 'stock.ts'), 'export const evolve = 1;');
    const first = deciderFingerprint({ aggregate: 'stock', version: 1, sources, decider });
    expect(deciderFingerprint({ aggregate: 'stock', version: 1, sources, decider })).toBe(first);
    expect(deciderFingerprint({ aggregate: 'stock', version: 2, sources, decider })).not.toBe(first);
    writeFileSync(join(dir, 'stock.unit.test.ts'), 'test');
    expect(deciderFingerprint({ aggregate: 'stock', version: 1, sources, decider })).toBe(first);
    writeFileSync(join(dir, 'stock-rules.ts'), 'export const rule = 2;');
    expect(deciderFingerprint({ aggregate: 'stock', version: 1, sources, decider })).not.toBe(first);
  });

  it('gives each snapshotted aggregate its own fingerprint; the user is not snapshotted', () => {
    const policies = defaultSnapshotPolicies();
    expect(policies.map((p) => p.aggregate).sort()).toEqual(['category-tree', 'product', 'stock']);
    expect(new Set(policies.map((p) => p.fingerprint)).size).toBe(policies.length);
  });

  it('the audit folds from the stream alone, never through snapshots or the command handler', () => {
    const root = new URL('../../application/audit/', import.meta.url).pathname;
    const offending = sourceFiles(root).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter(({ specifier }) => /snapshots\/|commands\//.test(specifier))
        .map(({ specifier }) => `${file}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
