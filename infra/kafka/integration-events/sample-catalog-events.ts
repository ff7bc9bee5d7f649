import { categoryTreeStream } from '../../../domain/catalog/category-events.ts';

const at = '2026-03-01T12:00:00.000Z';

/** Samples of the category tree's and the reviews' domain events (see sample-domain-events.ts). */
export function sampleCatalogEvents(suffix: string) {
  const slug = `cat-${suffix.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  return [
    {
      stream: categoryTreeStream,
      type: 'CategoryCreated',
      data: { schema_version: 1, slug, name: 'Audio', parent_slug: null, created_at: at },
    },
    {
      stream: categoryTreeStream,
      type: 'CategoryRenamed',
      data: { schema_version: 1, slug, old_name: 'Audio', name: 'Sound', renamed_at: at },
    },
    {
      stream: categoryTreeStream,
      type: 'CategoryMoved',
      data: { schema_version: 1, slug, old_parent_slug: null, parent_slug: 'electronics', moved_at: at },
    },
  ];
}

/** Catalog events kept off Kafka, each with its reason (merged into privateDomainEvents). */
export const privateCatalogEvents: Record<string, string> = {
  CategoryCreated: 'catalog structure; product events carry the category a product names',
  CategoryRenamed: 'catalog structure; product events carry the category a product names',
  CategoryMoved: 'catalog structure; product events carry the category a product names',
};
