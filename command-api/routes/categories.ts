import { z } from 'zod';
import { slugify } from '../../domain/catalog/category-names.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { categoryResponseSchema } from '../catalog/catalog-responses.ts';
import { categoryBody, onCategoryTree } from '../catalog/category-commands.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

const slugSchema = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a category slug such as home-kitchen');
const name = z.string().min(1).max(100);
const createCategorySchema = z.object({ name, parent_slug: slugSchema.nullable().optional() });
const changeCategorySchema = z
  .object({ name: name.optional(), parent_slug: slugSchema.nullable().optional() })
  .refine((body) => body.name !== undefined || body.parent_slug !== undefined, {
    message: 'give name or parent_slug',
    path: ['name'],
  });
const categoryParams = z.object({ slug: z.string() });

/**
 * The category tree (API.md "Category tree", admin): create under a parent, rename, move. The ETag is
 * the tree's revision (one stream holds every category).
 */
export const categoryRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;
  return [
    route({
      method: 'post',
      path: '/categories',
      response: { status: 201, schema: categoryResponseSchema },
      access: ['admin'],
      body: createCategorySchema,
      summary: 'Create a category at the root or under a parent (admin)',
      async handle({ body, req, res }) {
        const result = await onCategoryTree(
          handler,
          {
            type: 'CreateCategory',
            data: { name: body.name, parentSlug: body.parent_slug ?? null, now: clock().toISOString() },
          },
          commandMetadata(req),
          expectedRevisionFrom(req),
        );
        await setCommandHeaders(res, store, result);
        const slug = slugify(body.name.trim());
        return {
          status: 201,
          headers: { Location: `/api/v1/categories/${slug}` },
          body: categoryBody(result.state, slug),
        };
      },
    }),
    route({
      method: 'put',
      path: '/categories/:slug',
      response: { status: 200, schema: categoryResponseSchema },
      access: ['admin'],
      params: categoryParams,
      body: changeCategorySchema,
      summary: 'Rename a category or move it under another parent; a cycle is 409 BIZ_4006 (admin)',
      async handle({ body, params, req, res }) {
        if (!slugSchema.safeParse(params.slug).success) throw notFound('Category', params.slug);
        const expectedRevision = expectedRevisionFrom(req);
        const result = await onCategoryTree(
          handler,
          {
            type: 'ChangeCategory',
            data: {
              slug: params.slug,
              ...(body.name !== undefined ? { name: body.name } : {}),
              ...(body.parent_slug !== undefined ? { parentSlug: body.parent_slug } : {}),
              now: clock().toISOString(),
            },
          },
          commandMetadata(req),
          expectedRevision,
        );
        await setCommandHeaders(res, store, result);
        return { status: 200, body: categoryBody(result.state, params.slug) };
      },
    }),
  ];
};
