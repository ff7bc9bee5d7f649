/** Rewrites the configuration table in docs/operations.md from infra/config.ts (`npm run docs:config`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withConfigTable } from './config-docs.ts';

const file = resolve(import.meta.dirname, '..', 'docs', 'operations.md');
writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
process.stdout.write('wrote docs/operations.md (configuration table)\n');
