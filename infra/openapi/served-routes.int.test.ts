import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandApi } from '../../command-api/app.ts';
import { createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { migrateAudit } from '../audit/migrate.ts';
import { loadConfig } from '../config.ts';
import { documentFiles } from './api-documents.ts';
import { apiDocs } from './docs-router.ts';
import { servedOperations } from './express-routes.ts';
import { documentedOperations } from './openapi-document.ts';

const root = resolve(import.meta.dirname, '../..');
const documentOf = (file: string) => JSON.parse(readFileSync(resolve(root, file), 'utf8'));

let side: ReadSideForTest;
let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
beforeAll(async () => {
  side = await createReadSideForTest('openapi_routes');
  await migrateAudit(side.pool);
  query = await startQueryApiForTest(side, { store: side.store });
});
afterAll(async () => {
  await query?.close();
  await side?.close();
});

describe('the OpenAPI documents name every route the apps serve', () => {
  it('command API: every route under /api/v1 is in docs/openapi/command-api.json, and nothing else', () => {
    const app = createCommandApi({
      store: side.store,
      redis: side.redis,
      config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'openapi-test-secret-0123456789abcdef' }),
      logger: pino({ level: 'silent' }),
    });
    const served = servedOperations(app, '/api/v1');
    expect(served.length).toBeGreaterThan(10);
    expect(documentedOperations(documentOf(documentFiles.command))).toEqual(served);
  });

  it('query API: every route under /api/v1 is in docs/openapi/query-api.json, and nothing else', () => {
    const served = servedOperations(query.api.app, '/api/v1');
    expect(served).toContain('GET /api/v1/products/{product_id}');
    expect(documentedOperations(documentOf(documentFiles.query))).toEqual(served);
  });
});

describe('GET /openapi.json and /docs', () => {
  let server: Server;
  let base: string;
  const document = documentOf(documentFiles.command);
  beforeAll(async () => {
    const app = express().use(helmet()).use(apiDocs(document));
    await new Promise<void>((done) => {
      server = app.listen(0, '127.0.0.1', () => done());
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('serves the document', async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(document);
  });

  it('serves Swagger UI from our own files (no CDN, no inline script under the CSP)', async () => {
    const page = await (await fetch(`${base}/docs`)).text();
    expect(page).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/<script>(?!<\/script>)/);
    const bundle = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const css = await fetch(`${base}/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    const init = await (await fetch(`${base}/docs/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });
});
