// `npm run docs:integration-events`: writes docs/events/<Type>.v<N>.json, one per published type and version
// (application/integration-events/published-versions.ts), from the integration event schemas.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderIntegrationSchemas } from '../application/integration-events/json-schemas.ts';

const dir = resolve(import.meta.dirname, '../docs/events');
mkdirSync(dir, { recursive: true });
const files = renderIntegrationSchemas();
// Files of types that no longer exist go, so the folder is exactly the contract.
for (const name of readdirSync(dir)) if (name.endsWith('.json') && !files.has(name)) rmSync(join(dir, name));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${files.size} schemas to ${dir}`);
