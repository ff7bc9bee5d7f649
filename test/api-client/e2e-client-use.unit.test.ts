import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Every `*.e2e.test.ts` of the repository, relative to its root (hidden folders and node_modules left out). */
function e2eFiles(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return e2eFiles(path);
    return entry.name.endsWith('.e2e.test.ts') ? [relative(root, path)] : [];
  });
}

const usesClient = /from '[./]*(?:test\/)?api-client\/clients\.ts'/;
/** The opening comment of a file that stays raw on purpose (docs/api.md lists them). */
const rawOnPurpose = /^\/\/ (?:Raw HTTP, not the generated client|Not through the generated client)/;
const rawCall = /\.request\(|\bfetch\(/;

/**
 * Why an e2e file breaks docs/api.md's rule, or null: it goes through the generated client, or opens by
 * saying why it stays raw; in a client file, each raw call has a comment naming it raw just above.
 */
function clientRuleBreak(text: string): string | null {
  if (rawOnPurpose.test(text)) return null;
  if (!usesClient.test(text))
    return 'neither uses test/api-client/clients.ts nor says at its top why it is raw';
  const lines = text.split('\n');
  const unexplained = lines.findIndex(
    (line, i) =>
      rawCall.test(line) && !lines.slice(Math.max(0, i - 2), i).some((l) => /\/\/.*\braw\b/i.test(l)),
  );
  return unexplained === -1 ? null : `line ${unexplained + 1} calls HTTP raw without a comment saying why`;
}

describe('the e2e tests go through the generated client (docs/api.md)', () => {
  it('every e2e file uses it, or says at its top why it stays raw', () => {
    const files = e2eFiles();
    expect(files.length).toBeGreaterThan(30);
    const breaks = files.flatMap((file) => {
      const problem = clientRuleBreak(readFileSync(resolve(root, file), 'utf8'));
      return problem ? [`${file}: ${problem}`] : [];
    });
    expect(breaks).toEqual([]);
  });

  it('would catch a raw file that does not say why, and an unexplained raw call in a client file', () => {
    const client = "import { answer } from '../test/api-client/clients.ts';\n";
    expect(
      clientRuleBreak("import { request } from './support/http.ts';\nawait request(url, 'GET');\n"),
    ).toMatch(/neither/);
    expect(clientRuleBreak(`${client}const a = 1;\nawait api.http.request('GET', '/api/v1/cart');\n`)).toBe(
      'line 3 calls HTTP raw without a comment saying why',
    );
    expect(clientRuleBreak(`${client}// /ready is read raw.\nawait fetch(url);\n`)).toBeNull();
    expect(
      clientRuleBreak('// Raw HTTP, not the generated client, on purpose: forged tokens.\nfetch(url);\n'),
    ).toBeNull();
  });
});
