import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';

// Swagger UI's own files, served by us: clients may be offline, so nothing comes from a CDN.
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const page = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title}</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script: helmet's Content-Security-Policy allows scripts from 'self' only.
const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/**
 * GET /openapi.json (the document) and GET /docs (Swagger UI over it, its assets under /docs/assets).
 * Mount at the app's root, beside /health.
 */
export function apiDocs(document: Record<string, unknown>): Router {
  const router = Router();
  const info = (document.info ?? {}) as { title?: string };
  const title = (info.title ?? 'API').replace(/[<>&"]/g, '');
  router.get('/openapi.json', (_req, res) => void res.json(document));
  router.get('/docs', (_req, res) => void res.type('html').send(page(title)));
  router.get('/docs/init.js', (_req, res) => void res.type('application/javascript').send(init));
  router.use('/docs/assets', express.static(swaggerUiDir, { index: false, maxAge: '1d' }));
  return router;
}
