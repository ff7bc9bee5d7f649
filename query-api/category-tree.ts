import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { resolveCategory } from '../domain/catalog/category-names.ts';

export type CategoryNode = {
  slug: string;
  name: string;
  parent_slug: string | null;
  /** Listed products filed directly here. */
  product_count: number;
};

/** The category tree of a catalog generation, read whole (it is small) for one request. */
export class CategoryTree {
  readonly bySlug: Map<string, CategoryNode>;
  private readonly children = new Map<string | null, CategoryNode[]>();

  constructor(nodes: readonly CategoryNode[]) {
    this.bySlug = new Map(nodes.map((node) => [node.slug, node]));
    for (const node of [...nodes].sort(
      (a, b) => a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug),
    )) {
      // A parent the generation does not hold (never expected) shows its child at the root.
      const parent = node.parent_slug !== null && this.bySlug.has(node.parent_slug) ? node.parent_slug : null;
      this.children.set(parent, [...(this.children.get(parent) ?? []), node]);
    }
  }

  /** The category a `?category=` text names (slug or name, any case), as products name theirs. */
  resolve(text: string): CategoryNode | undefined {
    return resolveCategory(this.bySlug.values(), text);
  }

  /** The category and all its descendants. */
  subtree(slug: string): string[] {
    const out: string[] = [];
    const walk = (at: string) => {
      out.push(at);
      for (const child of this.children.get(at) ?? []) walk(child.slug);
    };
    if (this.bySlug.has(slug)) walk(slug);
    return out;
  }

  /** From the root down to the category: `[{slug, name}, …]`. */
  path(slug: string): { slug: string; name: string }[] {
    const path: { slug: string; name: string }[] = [];
    for (let at = this.bySlug.get(slug); at && path.length <= 64; at = this.parentOf(at))
      path.unshift({ slug: at.slug, name: at.name });
    return path;
  }

  /** The top-level category a category sits under (itself at the root). */
  root(slug: string): CategoryNode | undefined {
    let at = this.bySlug.get(slug);
    for (let depth = 0; at && depth < 64; depth += 1) {
      const parent = this.parentOf(at);
      if (!parent) return at;
      at = parent;
    }
    return at;
  }

  /** The nested tree as GET /categories answers it; counts include the descendants'. */
  nested(parent: string | null = null): NestedCategory[] {
    return (this.children.get(parent) ?? []).map((node) => {
      const children = this.nested(node.slug);
      const below = children.reduce((sum, child) => sum + child.product_count, 0);
      return { slug: node.slug, name: node.name, product_count: node.product_count + below, children };
    });
  }

  private parentOf(node: CategoryNode) {
    return node.parent_slug === null ? undefined : this.bySlug.get(node.parent_slug);
  }
}

export type NestedCategory = {
  slug: string;
  name: string;
  product_count: number;
  children: NestedCategory[];
};

export async function loadCategoryTree(db: ReadModelDb, schema: string): Promise<CategoryTree> {
  const { rows } = await sql<CategoryNode>`SELECT slug, name, parent_slug, product_count
    FROM ${sql.table(`${schema}.categories`)}`.execute(db);
  return new CategoryTree(rows);
}
