import { CATEGORIES } from './categories.ts';
import type { Rng } from './prng.ts';
import {
  ADJECTIVES,
  AUDIENCES,
  BRANDS,
  CITIES,
  COLORS,
  FIRST_NAMES,
  LAST_NAMES,
  OPENINGS,
  SERIES,
  STREETS,
} from './words.ts';

/** The POST /products body of product `index` (0-based): the same index and seed always give the same product. */
export function productBody(rng: Rng, index: number) {
  const category = CATEGORIES[index % CATEGORIES.length]!;
  const noun = rng.pick(category.nouns);
  const brand = rng.pick(BRANDS);
  const adjective = rng.pick(ADJECTIVES);
  const series = rng.pick(SERIES);
  const color = rng.pick(COLORS);
  const [low, high] = category.price;
  // Prices cluster towards the low end of the band and end in .99 / .49 / .00 like shop prices.
  const major = Math.max(1, Math.round(low + (high - low) * rng.next() ** 2));
  const cents = rng.pick([99, 49, 0, 95]);
  const price = cents === 0 ? major : major - 1 + cents / 100;
  const [first, second] = [rng.pick(category.features), rng.pick(category.features)];
  const features = first === second ? [first] : [first, second];
  const name = `${brand} ${adjective} ${noun} ${series}`;
  const warranty = rng.int(1, 3);
  return {
    name,
    description: `${rng.pick(OPENINGS)}: ${/^[AEIOU]/.test(adjective) ? 'an' : 'a'} ${adjective.toLowerCase()} ${noun.toLowerCase()} with ${features.join(' and ')}.`,
    long_description:
      `The ${name} by ${brand} is made for ${rng.pick(AUDIENCES)}. It comes in ${color.toLowerCase()} and ` +
      `features ${features.join(', and ')}. Covered by a ${warranty}-year warranty.`,
    price: Math.max(price, 0.99),
    currency: 'USD',
    category: category.name,
    subcategory: rng.pick(category.subcategories),
    brand,
    sku: `${brand.slice(0, 3).toUpperCase()}-${String(index + 1).padStart(6, '0')}`,
    images: [`https://cdn.example.com/products/${index + 1}/main.jpg`],
    specifications: { color, warranty_years: warranty, weight_g: rng.int(50, 9_000) },
    // Mostly well stocked; a few items short, so `in_stock: false` shows up too.
    initial_stock: rng.chance(0.04) ? 0 : rng.int(5, 500),
  };
}

export type SeedUser = {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  address: { street: string; city: string; state: string; postal_code: string; country: string };
};

/** Seed user `index`: `<first>.<last>.<index>@seed.example`, one shared demo password (meets the policy). */
export function seedUser(rng: Rng, index: number): SeedUser {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const place = rng.pick(CITIES);
  const ascii = (text: string) =>
    text
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase();
  return {
    email: `${ascii(first)}.${ascii(last)}.${index + 1}@seed.example`,
    password: 'Seed-Demo-Pass-1!',
    first_name: first,
    last_name: last,
    address: { street: `${rng.int(1, 999)} ${rng.pick(STREETS)}`, ...place, country: 'US' },
  };
}
