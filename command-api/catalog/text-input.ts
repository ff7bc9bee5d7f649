import type { z } from 'zod';

/**
 * PostgreSQL's jsonb cannot hold U+0000, so a NUL anywhere in a body would fail the append with a
 * 500. It is never meaningful in a name, a description or a reason: refused up front as VAL_2001.
 */
export const withoutNul = <S extends z.ZodType>(schema: S) =>
  schema.superRefine((value, ctx) => {
    const paths: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (typeof node === 'string') {
        if (node.includes('\u0000')) paths.push(path);
      } else if (Array.isArray(node)) {
        for (const [index, item] of node.entries()) visit(item, `${path}.${index}`);
      } else if (node !== null && typeof node === 'object')
        for (const [key, item] of Object.entries(node)) {
          if (key.includes('\u0000')) paths.push(path);
          visit(item, path ? `${path}.${key}` : key);
        }
    };
    visit(value, '');
    for (const path of paths)
      ctx.addIssue({
        code: 'custom',
        path: path.split('.').filter(Boolean),
        message: 'must not contain U+0000',
      });
  });
