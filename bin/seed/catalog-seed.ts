import type { ApiClient } from './client.ts';
import type { Rng } from './prng.ts';

/** The seed's two-level tree: departments over the 30 product categories of categories.ts. */
export const DEPARTMENTS: readonly [string, readonly string[]][] = [
  [
    'Electronics',
    ['Audio', 'Cameras', 'Computers', 'Gaming', 'Monitors', 'Peripherals', 'Phones', 'Smart Home'],
  ],
  ['Home & Garden', ['Furniture', 'Garden', 'Home', 'Kitchen', 'Tools']],
  ['Sports & Outdoors', ['Cycling', 'Outdoors', 'Sports']],
  ['Fashion', ['Bags', 'Clothing', 'Shoes', 'Watches']],
  ['Health & Beauty', ['Beauty', 'Health']],
  ['Family & Pets', ['Baby', 'Pets', 'Toys']],
  ['Books, Music & Office', ['Books', 'Music', 'Office']],
  ['Everyday', ['Automotive', 'Grocery']],
];

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Creates the tree before the products name their categories (409: already there from an earlier run). */
export async function seedCategoryTree(client: ApiClient, token: string, key: (what: string) => string) {
  let created = 0;
  const create = async (name: string, parent?: string) => {
    const res = await client.expect([201, 409], 'POST', '/categories', {
      body: { name, ...(parent ? { parent_slug: parent } : {}) },
      token,
      idempotencyKey: key(`category-${slug(name)}`),
    });
    if (res.status === 201) created += 1;
  };
  for (const [department, categories] of DEPARTMENTS) {
    await create(department);
    for (const category of categories) await create(category, slug(department));
  }
  return created;
}

const TITLES: Record<number, readonly string[]> = {
  1: ['Disappointed', 'Broke within a week'],
  2: ['Not what I hoped', 'Okay at best'],
  3: ['Does the job', 'Fine for the price'],
  4: ['Very good', 'Happy with it', 'Solid choice'],
  5: ['Excellent!', 'Love it', 'Exactly as described'],
};

/** A shopper's review of something delivered to them: mostly 4 and 5 stars, as shops see. */
export function reviewBody(rng: Rng) {
  const rating = rng.chance(0.6) ? rng.int(4, 5) : rng.int(1, 3);
  const titles = TITLES[rating]!;
  return {
    rating,
    title: titles[rng.int(0, titles.length - 1)]!,
    body: rng.chance(0.7) ? `Ordered it for home use: ${titles[0]!.toLowerCase()}.` : '',
  };
}
