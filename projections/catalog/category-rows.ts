import { sql } from 'kysely';
import type { ApplyContext, ReadModelTrx } from '../../application/projection-runner/types.ts';
import {
  categoryCreatedSchema,
  categoryMovedSchema,
  categoryRenamedSchema,
} from '../../domain/catalog/category-events.ts';
import { resolveCategory, slugify } from '../../domain/catalog/category-names.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

export const categoryEventTypes = ['CategoryCreated', 'CategoryRenamed', 'CategoryMoved'] as const;
export const isCategoryEvent = (event: RecordedEvent) =>
  (categoryEventTypes as readonly string[]).includes(event.type);

const categories = (context: ApplyContext) => sql.id(context.schema, 'categories');
/** Where a text without a letter or digit is filed. */
const UNCATEGORIZED = 'uncategorized';

/**
 * The slug each product category text names (category-names.ts, the command side's rule too). A text no
 * category answers to makes an implicit root category, so `Audio` and `audio` written before the tree
 * existed fold into one without rewriting their events. The tree is small: it is read whole.
 */
export async function resolveSlugs(
  trx: ReadModelTrx,
  context: ApplyContext,
  texts: Iterable<string>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(texts)];
  const resolved = new Map<string, string>();
  if (wanted.length === 0) return resolved;
  const { rows } = await sql<{ slug: string; name: string }>`
    SELECT slug, name FROM ${categories(context)}`.execute(trx);
  const known = [...rows];
  const implicit: { slug: string; name: string }[] = [];
  for (const text of wanted) {
    const found = resolveCategory(known, text);
    if (found) {
      resolved.set(text, found.slug);
      continue;
    }
    const made = { slug: slugify(text) || UNCATEGORIZED, name: text.trim() };
    known.push(made);
    implicit.push(made);
    resolved.set(text, made.slug);
  }
  if (implicit.length > 0)
    await sql`INSERT INTO ${categories(context)} (slug, name, parent_slug, explicit, product_count)
      SELECT s, n, NULL, false, 0 FROM unnest(${implicit.map((c) => c.slug)}::text[],
        ${implicit.map((c) => c.name)}::text[]) AS t(s, n)
      ON CONFLICT (slug) DO NOTHING`.execute(trx);
  return resolved;
}

/** Adds each slug's net change of listed products (in slug order, so concurrent writers lock alike). */
export async function countProducts(trx: ReadModelTrx, context: ApplyContext, deltas: Map<string, number>) {
  const changed = [...deltas.entries()].filter(([, d]) => d !== 0).sort(([a], [b]) => a.localeCompare(b));
  // Every slug touched, even at a net 0: a batch may make an implicit category and empty it again.
  const slugs = [...deltas.keys()];
  if (slugs.length === 0) return;
  await sql`UPDATE ${categories(context)} AS c SET product_count = c.product_count + d.delta
    FROM unnest(${changed.map(([slug]) => slug)}::text[], ${changed.map(([, d]) => d)}::integer[]) AS d(slug, delta)
    WHERE c.slug = d.slug`.execute(trx);
  // An implicit category lives as long as products name it (as the free-text categories did).
  await sql`DELETE FROM ${categories(context)} c WHERE c.slug = ANY(${slugs}::text[]) AND NOT c.explicit
    AND c.product_count <= 0
    AND NOT EXISTS (SELECT 1 FROM ${categories(context)} k WHERE k.parent_slug = c.slug)`.execute(trx);
}

/** A category event: the tree's rows. An implicit row of the same slug becomes the explicit category. */
export async function applyCategoryEvent(event: RecordedEvent, trx: ReadModelTrx, context: ApplyContext) {
  switch (event.type) {
    case 'CategoryCreated': {
      const data = categoryCreatedSchema.parse(event.data);
      await sql`INSERT INTO ${categories(context)} (slug, name, parent_slug, explicit, product_count)
        VALUES (${data.slug}, ${data.name}, ${data.parent_slug}, true, 0)
        ON CONFLICT (slug) DO UPDATE SET name = excluded.name, parent_slug = excluded.parent_slug,
          explicit = true`.execute(trx);
      break;
    }
    case 'CategoryRenamed': {
      const data = categoryRenamedSchema.parse(event.data);
      await sql`UPDATE ${categories(context)} SET name = ${data.name} WHERE slug = ${data.slug}`.execute(trx);
      break;
    }
    case 'CategoryMoved': {
      const data = categoryMovedSchema.parse(event.data);
      await sql`UPDATE ${categories(context)} SET parent_slug = ${data.parent_slug}
        WHERE slug = ${data.slug}`.execute(trx);
      break;
    }
    default:
      return;
  }
  // Category names and paths show on every product: cached product bodies are stale.
  context.invalidate('*');
}
