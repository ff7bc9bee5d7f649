/**
 * How a category is named. A slug is the URL-safe key of a category (`home-kitchen`); a product names its
 * category by slug or by name, case-insensitively, and the command side and the read model resolve that
 * text with the same function, so both agree on which category a product is filed in.
 */

/** `Home & Kitchen` → `home-kitchen`; `Café` → `cafe`. Empty when the name has no letter or digit. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

export type NamedCategory = { slug: string; name: string };

/**
 * The category a product's text names: the one whose slug is that text (any case), else the one whose name
 * is (any case), else the one whose slug is the text's slug (`home & kitchen` → `home-kitchen`); undefined
 * when none is, and the text then makes a new root category with slug `slugify(text)`.
 */
export function resolveCategory<C extends NamedCategory>(
  categories: Iterable<C>,
  text: string,
): C | undefined {
  const wanted = text.trim().toLowerCase();
  const slug = slugify(text);
  let byName: C | undefined;
  let bySlug: C | undefined;
  for (const category of categories) {
    if (category.slug === wanted) return category;
    if (!byName && category.name.toLowerCase() === wanted) byName = category;
    if (!bySlug && category.slug === slug) bySlug = category;
  }
  return byName ?? bySlug;
}
