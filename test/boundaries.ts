import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

export type ImportRef = { specifier: string; line: number; typeOnly: boolean };

/** Every import specifier in a source text, with its line number and whether it brings types only. */
export function importsOf(text: string): ImportRef[] {
  const found: ImportRef[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier)
      found.push({
        specifier,
        line: text.slice(0, match.index).split('\n').length,
        typeOnly: /^\s*(?:import|export)\s+type\s/.test(match[0]),
      });
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

/** The apps: each wires and serves; none imports another (what two share lives in application/ or infra/). */
export const apps = ['command-api', 'query-api', 'projections', 'process-manager'] as const;

/**
 * Which top-level folders each may import (non-test code; a test may import test support anywhere):
 * ARCHITECTURE.md's table. domain/ imports only itself (and zod, checked by domainViolations);
 * application/ imports domain/ and infra/; infra/ imports domain/ only; apps import domain/,
 * application/ and infra/, never another app; bin/ is the composition root and starts the apps.
 */
export const allowedImports: Record<string, readonly string[]> = {
  domain: [],
  application: ['domain', 'infra'],
  infra: ['domain'],
  ...Object.fromEntries(apps.map((app) => [app, ['domain', 'application', 'infra']])),
  bin: ['domain', 'application', 'infra', ...apps],
};

/**
 * The app-to-app edges that remain, each named to the file or folder it may reach and why (recorded in
 * docs/architecture.md). A `typeOnly` edge allows `import type` alone: nothing of the other app runs in
 * this one. Any other edge between apps fails.
 */
export const recordedEdges: readonly { from: string; to: string; why: string; typeOnly?: boolean }[] = [
  {
    from: 'query-api',
    to: 'projections',
    typeOnly: true,
    why: 'reads the row types of the tables its projection writes, defined beside it (ARCHITECTURE.md)',
  },
  { from: 'bin', to: 'test/api-client', why: 'gen-openapi writes the generated client types' },
];

const isTestCode = (file: string) =>
  /\.test\.ts$|test-support\.ts$|test-fixtures\.ts$|e2e-fixtures\.ts$/.test(file);

const reaches = (target: string, to: string) => target === to || target.startsWith(`${to}/`);

/** Imports from one top-level folder into another that the table and the recorded edges do not allow. */
export function folderViolations(root: string): Violation[] {
  return Object.entries(allowedImports).flatMap(([top, allowed]) =>
    (existsSync(resolve(root, top)) ? sourceFiles(resolve(root, top)) : [])
      .filter((file) => !isTestCode(file))
      .flatMap((file) =>
        importsOf(readFileSync(file, 'utf8'))
          .filter(({ specifier }) => specifier.startsWith('.'))
          .map(({ specifier, line, typeOnly }) => ({
            specifier,
            line,
            typeOnly,
            target: relative(root, resolve(dirname(file), specifier))
              .split(/[\\/]/)
              .join('/'),
          }))
          .filter(({ target, typeOnly }) => {
            const targetTop = target.split('/')[0] ?? '';
            if (targetTop === top || allowed.includes(targetTop)) return false;
            return !recordedEdges.some(
              (edge) => edge.from === top && reaches(target, edge.to) && (typeOnly || !edge.typeOnly),
            );
          })
          .map(({ specifier, line }) => ({
            file: relative(root, file),
            line,
            text: specifier,
            reason: `${top} may not import it`,
          })),
      ),
  );
}

/** Where a relative import lands: the file itself, or `index.ts` of a folder. */
function resolveImport(file: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const target = resolve(dirname(file), specifier);
  for (const candidate of [target, `${target}.ts`, join(target, 'index.ts')])
    if (known.has(candidate)) return candidate;
  return undefined;
}

/**
 * Import cycles among the project's files (type-only imports included: a cycle of types is still two
 * modules that cannot be understood apart). Each cycle is reported once, as its files in order, from its
 * alphabetically first file.
 */
export function importCycles(root: string): string[][] {
  const files = sourceFiles(root).filter((file) => file.endsWith('.ts'));
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .filter(({ specifier }) => specifier.startsWith('.'))
      .map(({ specifier }) => resolveImport(file, specifier, known))
      .filter((target): target is string => target !== undefined);
    edges.set(file, [...new Set(targets)]);
  }
  // Tarjan's strongly connected components: a component of two or more files (or a file importing
  // itself) is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || edges.get(file)?.includes(file)) components.push(component);
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return components.map((component) => component.map((file) => relative(root, file)).sort());
}
