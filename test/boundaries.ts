import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type Violation = { file: string; line: number; text: string; reason: string };

const importPattern =
  /(?:^|\s)(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every import specifier in a source text, with its line number. */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier) found.push({ specifier, line: text.slice(0, match.index).split('\n').length });
  }
  return found;
}

const impurities: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'reads the clock (time arrives in the command)'],
  [/\bnew Date\(\s*\)/, 'reads the clock (time arrives in the command)'],
  [/\bMath\.random\s*\(/, 'randomness (ids arrive in the command)'],
  [/\brandomUUID\s*\(/, 'randomness (ids arrive in the command)'],
  [/\bprocess\./, 'reads the process environment'],
];

/** Tests beside the domain code may use the test runner and property testing, nothing else. */
const testOnlyPackages = ['vitest', 'fast-check'];

/** domain/ may import only itself and zod, and stays pure (no clock, randomness or environment). */
export function domainViolations(root: string): Violation[] {
  const domainRoot = resolve(root, 'domain');
  return sourceFiles(domainRoot).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const violations: Violation[] = [];
    const isTest = /\.test\.ts$/.test(file);
    for (const { specifier, line } of importsOf(text)) {
      const outside = specifier.startsWith('.')
        ? relative(domainRoot, resolve(dirname(file), specifier)).startsWith('..')
        : specifier !== 'zod' &&
          !specifier.startsWith('zod/') &&
          !(isTest && testOnlyPackages.includes(specifier));
      if (outside)
        violations.push({
          file: relative(root, file),
          line,
          text: specifier,
          reason: 'imports outside domain/',
        });
    }
    if (!isTest) {
      text.split('\n').forEach((lineText, index) => {
        for (const [pattern, reason] of impurities) {
          if (pattern.test(lineText))
            violations.push({ file: relative(root, file), line: index + 1, text: lineText.trim(), reason });
        }
      });
    }
    return violations;
  });
}

/** query-api/ serves read models: it never imports the command side. */
export function queryApiViolations(root: string): Violation[] {
  const forbidden = [resolve(root, 'command-api'), resolve(root, 'process-manager')];
  return sourceFiles(resolve(root, 'query-api')).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .filter(({ specifier }) => specifier.startsWith('.'))
      .filter(({ specifier }) =>
        forbidden.some((dir) => !relative(dir, resolve(dirname(file), specifier)).startsWith('..')),
      )
      .map(({ specifier, line }) => ({
        file: relative(root, file),
        line,
        text: specifier,
        reason: 'query-api imports the command side',
      })),
  );
}
