import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './shop-process.ts';

export const readme = () => readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The ```sh blocks of the section whose `## ` heading starts with `heading`. */
export function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start === -1) throw new Error(`README.md has no section "## ${heading}"`);
  const next = markdown.indexOf('\n## ', start + 4);
  const section = markdown.slice(start, next === -1 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** `A=1 B='x y' npm start` → { A: '1', B: 'x y' }: the variables set on a command line. */
export function envOf(commandLine: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of commandLine.matchAll(/([A-Z_][A-Z0-9_]*)=('([^']*)'|"([^"]*)"|(\S+))/g))
    env[match[1]!] = match[3] ?? match[4] ?? match[5] ?? '';
  return env;
}

/**
 * The JSON values written one after another (curl prints bodies without newlines between them); text
 * between values (a newline, a stray word) is skipped.
 */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '{' && c !== '[') {
      i += 1;
      continue;
    }
    let depth = 0;
    let j = i;
    for (; j < text.length; j += 1) {
      const d = text[j];
      if (d === '"') {
        j += 1;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      } else if (d === '{' || d === '[') depth += 1;
      else if (d === '}' || d === ']') {
        depth -= 1;
        if (depth === 0) break;
      }
    }
    values.push(JSON.parse(text.slice(i, j + 1)));
    i = j + 1;
  }
  return values;
}
