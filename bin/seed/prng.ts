/**
 * A small seeded PRNG (mulberry32): the same seed gives the same catalog, users, carts and orders on every
 * machine, so a demo and its README examples stay reproducible.
 */
export type Rng = {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** Index in [0, n) skewed towards 0 (a few items get most of the attention, as in real shops). */
  skewed(n: number, exponent?: number): number;
};

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    chance: (probability) => next() < probability,
    skewed: (n, exponent = 2.5) => Math.min(n - 1, Math.floor(next() ** exponent * n)),
  };
}
