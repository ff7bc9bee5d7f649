import type { Command, Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { alreadyExists, DomainError, ErrorCode, invalid, notFound } from '../shared/errors.ts';
import type { CategoryEvent } from './category-events.ts';
import { resolveCategory, slugify } from './category-names.ts';

export type Category = { slug: string; name: string; parent: string | null };
/** The whole tree: every category by slug. */
export type CategoryTreeState = { categories: Record<string, Category> };

export type CreateCategory = Command<
  'CreateCategory',
  { name: string; parentSlug?: string | null; now: string }
>;
/** `parentSlug: null` moves to the root; absent leaves the parent as it is. */
export type ChangeCategory = Command<
  'ChangeCategory',
  { slug: string; name?: string; parentSlug?: string | null; now: string }
>;
/** Files a product under the category its text names, creating it at the root when none does. */
export type EnsureCategory = Command<'EnsureCategory', { text: string; now: string }>;
export type CategoryCommand = CreateCategory | ChangeCategory | EnsureCategory;

export const initialState = (): CategoryTreeState => ({ categories: {} });

const MAX_NAME = 100;

function checkName(value: string): string {
  const name = value.trim();
  if (name.length < 1 || name.length > MAX_NAME) throw invalid('name', `1 to ${MAX_NAME} characters`);
  if (slugify(name) === '') throw invalid('name', 'needs at least one letter or digit');
  return name;
}

/** A name must name one category only, whichever way a product spells it (slug or name, any case). */
function checkNameFree(state: CategoryTreeState, name: string, self?: string) {
  const lower = name.toLowerCase();
  const clash = Object.values(state.categories).find(
    (c) =>
      c.slug !== self && (c.name.toLowerCase() === lower || c.slug === lower || c.slug === slugify(name)),
  );
  if (clash) throw alreadyExists(`Category named ${name}`);
}

function existing(state: CategoryTreeState, slug: string, field?: string): Category {
  const category = state.categories[slug];
  if (!category) {
    const error = notFound('Category', slug);
    throw field
      ? new DomainError(error.code, error.message, [{ field, message: 'no such category' }])
      : error;
  }
  return category;
}

/** Slugs from the root down to this category. */
export function pathOf(state: CategoryTreeState, slug: string): string[] {
  const path: string[] = [];
  for (
    let at: string | null = slug;
    at !== null && path.length <= 64;
    at = state.categories[at]?.parent ?? null
  )
    path.unshift(at);
  return path;
}

function create({ data }: CreateCategory, state: CategoryTreeState): CategoryEvent[] {
  const name = checkName(data.name);
  const parent = data.parentSlug ?? null;
  if (parent !== null) existing(state, parent, 'parent_slug');
  checkNameFree(state, name);
  const event = {
    schema_version: 1 as const,
    slug: slugify(name),
    name,
    parent_slug: parent,
    created_at: data.now,
  };
  return [{ type: 'CategoryCreated', data: event }];
}

function change({ data }: ChangeCategory, state: CategoryTreeState): CategoryEvent[] {
  const category = existing(state, data.slug);
  const events: CategoryEvent[] = [];
  if (data.name !== undefined) {
    const name = checkName(data.name);
    if (name !== category.name) {
      checkNameFree(state, name, category.slug);
      events.push({
        type: 'CategoryRenamed',
        data: { schema_version: 1, slug: category.slug, old_name: category.name, name, renamed_at: data.now },
      });
    }
  }
  if (data.parentSlug !== undefined && data.parentSlug !== category.parent) {
    const parent = data.parentSlug;
    if (parent !== null) {
      existing(state, parent, 'parent_slug');
      if (pathOf(state, parent).includes(category.slug))
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Cannot move category ${category.slug} under ${parent}: it would be its own ancestor`,
          [{ field: 'parent_slug', message: 'is the category itself or one of its descendants' }],
        );
    }
    events.push({
      type: 'CategoryMoved',
      data: {
        schema_version: 1,
        slug: category.slug,
        old_parent_slug: category.parent,
        parent_slug: parent,
        moved_at: data.now,
      },
    });
  }
  return events;
}

function ensure({ data }: EnsureCategory, state: CategoryTreeState): CategoryEvent[] {
  if (resolveCategory(Object.values(state.categories), data.text)) return [];
  // A text without a letter or digit has no slug: the read model files it under `uncategorized`.
  const name = data.text.trim().slice(0, MAX_NAME);
  if (slugify(name) === '') return [];
  const event = {
    schema_version: 1 as const,
    slug: slugify(name),
    name,
    parent_slug: null,
    created_at: data.now,
  };
  return [{ type: 'CategoryCreated', data: event }];
}

export function decide(command: CategoryCommand, state: CategoryTreeState): CategoryEvent[] {
  switch (command.type) {
    case 'CreateCategory':
      return create(command, state);
    case 'ChangeCategory':
      return change(command, state);
    case 'EnsureCategory':
      return ensure(command, state);
    default:
      return unreachable(command);
  }
}

export function evolve(state: CategoryTreeState, event: CategoryEvent): CategoryTreeState {
  const categories = { ...state.categories };
  switch (event.type) {
    case 'CategoryCreated':
      categories[event.data.slug] = {
        slug: event.data.slug,
        name: event.data.name,
        parent: event.data.parent_slug,
      };
      return { categories };
    case 'CategoryRenamed': {
      const category = categories[event.data.slug];
      if (category) categories[event.data.slug] = { ...category, name: event.data.name };
      return { categories };
    }
    case 'CategoryMoved': {
      const category = categories[event.data.slug];
      if (category) categories[event.data.slug] = { ...category, parent: event.data.parent_slug };
      return { categories };
    }
    default:
      return unreachable(event);
  }
}

export const categoryTreeDecider: Decider<CategoryCommand, CategoryEvent, CategoryTreeState> = {
  decide,
  evolve,
  initialState,
};
