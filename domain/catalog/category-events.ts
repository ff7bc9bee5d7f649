import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';

/** The whole tree is one aggregate in one stream, so "no cycles" and "unique names" are checked atomically. */
export const categoryTreeStreamCategory = 'categorytree';
export const categoryTreeStream = `${categoryTreeStreamCategory}-main`;

const schemaVersion = z.literal(1).describe('version of this event data shape');
const isoTime = z.iso.datetime({ offset: true });
const slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(64)
  .describe('the category, by its slug');
const parentSlug = slug.nullable().describe('the parent category; null at the root');

export const categoryCreatedSchema = z
  .object({
    schema_version: schemaVersion,
    slug,
    name: z.string().min(1).max(100),
    parent_slug: parentSlug,
    created_at: isoTime,
  })
  .describe('A category was created under a parent (or at the root); its slug never changes.');

export const categoryRenamedSchema = z
  .object({
    schema_version: schemaVersion,
    slug,
    old_name: z.string(),
    name: z.string().min(1).max(100),
    renamed_at: isoTime,
  })
  .describe('A category got a new display name; its slug (and so its products) stay.');

export const categoryMovedSchema = z
  .object({
    schema_version: schemaVersion,
    slug,
    old_parent_slug: parentSlug,
    parent_slug: parentSlug,
    moved_at: isoTime,
  })
  .describe('A category moved, with its whole subtree, under another parent (never under itself).');

export const categoryEventSchemas = {
  CategoryCreated: categoryCreatedSchema,
  CategoryRenamed: categoryRenamedSchema,
  CategoryMoved: categoryMovedSchema,
} as const;

export type CategoryCreated = DomainEvent<'CategoryCreated', z.infer<typeof categoryCreatedSchema>>;
export type CategoryRenamed = DomainEvent<'CategoryRenamed', z.infer<typeof categoryRenamedSchema>>;
export type CategoryMoved = DomainEvent<'CategoryMoved', z.infer<typeof categoryMovedSchema>>;
export type CategoryEvent = CategoryCreated | CategoryRenamed | CategoryMoved;
