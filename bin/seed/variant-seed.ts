import type { ApiClient } from './client.ts';
import type { Rng } from './prng.ts';
import { body } from './seed-helpers.ts';

/** Categories sold in sizes and colours: every other product of these gets variants (issue 14). */
const APPAREL = new Set(['Clothing', 'Shoes']);
const SIZES: Record<string, readonly string[]> = {
  Clothing: ['S', 'M', 'L', 'XL'],
  Shoes: ['40', '41', '42', '43', '44'],
};
const COLOURS = ['Black', 'Navy', 'Red', 'White'] as const;

/**
 * The POST /products/{id}/variants bodies of a seeded product, or none: apparel products at an even
 * index come in 2 colours × their sizes; a larger size costs a little more. Same seed, same variants.
 */
export function variantBodies(rng: Rng, index: number, product: { category: string; sku: string }) {
  if (!APPAREL.has(product.category) || index % 2 !== 0) return [];
  const sizes = SIZES[product.category]!;
  const first = rng.int(0, COLOURS.length - 1);
  const colours = [COLOURS[first]!, COLOURS[(first + 1) % COLOURS.length]!];
  return colours.flatMap((color) =>
    sizes.map((size, step) => ({
      sku: `${product.sku}-${color.slice(0, 3).toUpperCase()}-${size}`,
      options: { size, color },
      price_adjustment: step >= sizes.length - 1 ? 2 : 0,
      initial_stock: rng.chance(0.05) ? 0 : rng.int(3, 60),
    })),
  );
}

/** Adds the variants; answers their ids (201, or 409 on a re-run, when they exist already: none). */
export async function seedVariants(
  client: ApiClient,
  token: string,
  productId: string,
  bodies: ReturnType<typeof variantBodies>,
  key: (what: string) => string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const variant of bodies) {
    const res = await client.expect([201, 409], 'POST', `/products/${productId}/variants`, {
      body: variant,
      token,
      idempotencyKey: key(`variant-${variant.sku}`),
    });
    if (res.status === 201 && variant.initial_stock > 0) ids.push(String(body(res).variant_id));
  }
  return ids;
}
