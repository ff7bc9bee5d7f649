/**
 * The average of `count` ratings summing to `sum`, to two decimals, half up: as the catalog read model's
 * `round(avg(rating)::numeric, 2)` gives a product's `rating`, so both read the same. Computed as
 * sum × 100 / count, whose halves are exact in binary, not as (sum / count) × 100 (4.225 × 100 is
 * 422.49999…).
 */
export const averageRating = (sum: number, count: number): number =>
  count === 0 ? 0 : Math.round((sum * 100) / count) / 100;
