import type { CommandHandler } from '../../application/commands/command-handler.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { categoryTreeStream } from '../../domain/catalog/category-events.ts';
import {
  type CategoryCommand,
  type CategoryTreeState,
  categoryTreeDecider,
  pathOf,
} from '../../domain/catalog/category-tree.ts';

/** Runs one command on the category tree (the one stream all categories live in). */
export function onCategoryTree(
  handler: CommandHandler,
  command: CategoryCommand,
  metadata: CommandMetadata,
  expectedRevision?: bigint,
) {
  return handler.handle({
    decider: categoryTreeDecider,
    stream: categoryTreeStream,
    command,
    metadata,
    expectedRevision,
  });
}

/**
 * Files a product's category text in the tree before the product names it: an unknown category is
 * created at the root. A text the product decider will refuse anyway (empty, too long) is left to it.
 */
export async function fileCategory(
  handler: CommandHandler,
  text: string | undefined,
  now: string,
  metadata: CommandMetadata,
) {
  const trimmed = text?.trim() ?? '';
  if (trimmed.length < 1 || trimmed.length > 100) return;
  await onCategoryTree(handler, { type: 'EnsureCategory', data: { text: trimmed, now } }, metadata);
}

/** The API's body of a category: POST and PUT /categories answer it. */
export function categoryBody(state: CategoryTreeState, slug: string) {
  const category = state.categories[slug]!;
  return { slug, name: category.name, parent_slug: category.parent, path: pathOf(state, slug) };
}
