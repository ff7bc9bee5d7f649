import type { Express } from 'express';
import { openApiPath } from './openapi-document.ts';

type Layer = {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
};

const join = (prefix: string, path: string | undefined) => {
  const joined = `${prefix}${path && path !== '/' ? path : ''}`;
  return joined === '' ? '/' : joined;
};

/**
 * `METHOD /path` of every route an Express 5 app serves (mounted routers included, path parameters
 * written the OpenAPI way), read from its router stack: what the app really serves, to compare with
 * what a document claims. Paths under `prefix` only, when given.
 */
export function servedOperations(app: Express, prefix = ''): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], base: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = openApiPath(join(base, layer.route.path));
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.add(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, join(base, layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...found].filter((operation) => operation.split(' ')[1]!.startsWith(prefix)).sort();
}
