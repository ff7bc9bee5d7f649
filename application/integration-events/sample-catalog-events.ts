import { categoryTreeStream } from '../../domain/catalog/category-events.ts';

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
    {
      stream: `review-rev_${suffix}`,
      type: 'ReviewSubmitted',
      data: {
        schema_version: 2,
        review_id: `rev_${suffix}`,
        product_id: `prd_${suffix}`,
        user_id: `usr_${suffix}`,
        author_name: 'Sam P.',
        rating: 4,
        title: 'Solid',
        body: 'Does what it says.',
        verified_purchase: true,
        submitted_at: at,
      },
    },
    {
      stream: `review-rev_${suffix}`,
      type: 'ReviewEdited',
      data: {
        schema_version: 1,
        review_id: `rev_${suffix}`,
        product_id: `prd_${suffix}`,
        changes: { rating: 5 },
        edited_at: at,
      },
    },
    {
      stream: `review-rev_${suffix}`,
      type: 'ReviewHidden',
      data: {
        schema_version: 1,
        review_id: `rev_${suffix}`,
        product_id: `prd_${suffix}`,
        reason: 'spam',
        hidden_at: at,
      },
    },
    {
      stream: `review-rev_${suffix}`,
      type: 'ReviewDeleted',
      data: {
        schema_version: 1,
        review_id: `rev_${suffix}`,
        product_id: `prd_${suffix}`,
        deleted_by: 'admin',
        deleted_at: at,
      },
    },
    ...sampleVariantEvents(suffix),
  ];
}

function sampleVariantEvents(suffix: string) {
  const ids = { schema_version: 1, product_id: `prd_${suffix}`, variant_id: `var_${suffix}` };
  return [
    {
      stream: `product-prd_${suffix}`,
      type: 'VariantAdded',
      data: { ...ids, sku: 'TS-M', options: { size: 'M' }, price_adjustment: 500, added_at: at },
    },
    {
      stream: `product-prd_${suffix}`,
      type: 'VariantChanged',
      data: { ...ids, changes: { price_adjustment: -100 }, changed_at: at },
    },
    { stream: `product-prd_${suffix}`, type: 'VariantRetired', data: { ...ids, retired_at: at } },
  ];
}

/** Catalog events kept off Kafka, each with its reason (merged into privateDomainEvents). */
export const privateCatalogEvents: Record<string, string> = {
  CategoryCreated: 'catalog structure; product events carry the category a product names',
  CategoryRenamed: 'catalog structure; product events carry the category a product names',
  CategoryMoved: 'catalog structure; product events carry the category a product names',
  ReviewSubmitted: "personal: a customer's own words; not in the integration contract yet",
  ReviewEdited: "personal: a customer's own words; not in the integration contract yet",
  ReviewDeleted: 'not in the integration contract yet (reviews are served by the query API)',
  ReviewHidden: 'moderation; not in the integration contract yet',
  VariantAdded: 'not in the integration contract yet (variants are served by the query API)',
  VariantChanged: 'not in the integration contract yet (variants are served by the query API)',
  VariantRetired: 'not in the integration contract yet (variants are served by the query API)',
};
