import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The folders named in the first column of docs/architecture.md's "Layout" table. */
function layoutFolders(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Layout\n')) ?? '';
  return [...section.matchAll(/^\| `([^`/]+)\/` \|/gm)].map((match) => match[1]!).sort();
}

/** Top-level folders of the checkout: hidden ones and those .gitignore names (node_modules/, var/ …) left out. */
function topLevelFolders(dir: string): string[] {
  const ignored = readFileSync(resolve(dir, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[\w.-]+\/?$/.test(line))
    .map((line) => line.replace(/\/$/, ''));
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !ignored.includes(entry.name))
    .map((entry) => entry.name)
    .sort();
}

describe('docs/architecture.md layout table', () => {
  it('lists every top-level folder, and only those', () => {
    const table = layoutFolders(readFileSync(resolve(root, 'docs/architecture.md'), 'utf8'));
    expect(table).toEqual(topLevelFolders(root));
  });

  it('would fail on a folder missing from the table or a row for a folder that is gone', () => {
    const table = layoutFolders(
      '## Layout\n\n| folder | holds |\n|---|---|\n| `domain/` | x |\n| `gone/` | y |\n\n## Next\n| `later/` | z |\n',
    );
    expect(table).toEqual(['domain', 'gone']);
    expect(table).not.toEqual(topLevelFolders(root));
  });
});
