import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventCatalog } from '../domain/event-catalog.ts';
import { renderEventDocs } from './event-docs.ts';

const target = resolve(import.meta.dirname, '../docs/events.md');
writeFileSync(target, renderEventDocs(eventCatalog));
console.log(`wrote ${target}`);
