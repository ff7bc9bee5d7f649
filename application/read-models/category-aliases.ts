import { type RawBuilder, sql } from 'kysely';

/**
 * A scalar subquery: every name the category of the catalog product `productId` goes by, with those of
 * the categories above it (each one's slug and its name in lower case), from the catalog read model
 * `catalogSchema`; `{}` when the product or its category is not there. A category pricing rule reaches
 * a product when its category is one of these (domain/pricing/rule.ts scopeMatches). A column reference
 * passed as `productId` must not use the aliases `filed`, `owner`, `above` or `up`.
 */
export function categoryAliasesOf(catalogSchema: string, productId: RawBuilder<unknown> | string) {
  const categories = sql.table(`${catalogSchema}.categories`);
  const products = sql.table(`${catalogSchema}.products`);
  return sql<string[]>`(
    WITH RECURSIVE up(slug, name, parent_slug, depth) AS (
      SELECT filed.slug, filed.name, filed.parent_slug, 0 FROM ${categories} filed
        JOIN ${products} owner ON filed.slug = owner.category_slug WHERE owner.product_id = ${productId}
      UNION ALL
      SELECT above.slug, above.name, above.parent_slug, up.depth + 1 FROM ${categories} above
        JOIN up ON above.slug = up.parent_slug WHERE up.depth < 64
    )
    SELECT coalesce(array_agg(slug) || array_agg(lower(btrim(name))), '{}') FROM up)`;
}
