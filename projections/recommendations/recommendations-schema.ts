/**
 * Weights of the popularity score: a purchase (a confirmed order containing the product) says more than a
 * cart add, which says more than a view. Views are not events (see docs/read-side.md): the query API counts
 * them in Redis and the query adds them, so only cart adds and purchases live in this table.
 */
export const WEIGHTS = { view: 1, cartAdd: 3, purchase: 10 } as const;

export type ProductStatsRow = {
  product_id: string;
  category: string | null;
  cart_adds: number;
  purchases: number;
};

export type RecommendationTables = {
  /** Per stream, the last revision applied: each event changes the counters at most once. */
  stream_guard: { stream_name: string; revision: string };
  product_stats: ProductStatsRow;
  /** Placed orders' products, until confirmation turns them into purchases and pairs. */
  order_products: { order_id: string; user_id: string; product_ids: string[]; confirmed: boolean };
  /** Co-purchases in confirmed orders, both directions (a→b and b→a). */
  product_pairs: { product_id: string; other_id: string; orders: number };
  user_categories: { user_id: string; category: string; purchases: number };
  user_products: { user_id: string; product_id: string; purchases: number };
};

export const recommendationsDdl = (schema: string) => `
CREATE TABLE ${schema}.stream_guard (
  stream_name text PRIMARY KEY,
  revision bigint NOT NULL
);
CREATE TABLE ${schema}.product_stats (
  product_id text PRIMARY KEY,
  category text,
  cart_adds integer NOT NULL DEFAULT 0,
  purchases integer NOT NULL DEFAULT 0,
  score integer GENERATED ALWAYS AS (cart_adds * ${WEIGHTS.cartAdd} + purchases * ${WEIGHTS.purchase}) STORED
);
CREATE INDEX product_stats_score_idx ON ${schema}.product_stats (score DESC, product_id);
CREATE INDEX product_stats_category_idx ON ${schema}.product_stats (category, score DESC, product_id);
CREATE TABLE ${schema}.order_products (
  order_id text PRIMARY KEY,
  user_id text NOT NULL,
  product_ids text[] NOT NULL,
  confirmed boolean NOT NULL DEFAULT false
);
CREATE TABLE ${schema}.product_pairs (
  product_id text NOT NULL,
  other_id text NOT NULL,
  orders integer NOT NULL,
  PRIMARY KEY (product_id, other_id)
);
CREATE INDEX product_pairs_rank_idx ON ${schema}.product_pairs (product_id, orders DESC, other_id);
CREATE TABLE ${schema}.user_categories (
  user_id text NOT NULL,
  category text NOT NULL,
  purchases integer NOT NULL,
  PRIMARY KEY (user_id, category)
);
CREATE TABLE ${schema}.user_products (
  user_id text NOT NULL,
  product_id text NOT NULL,
  purchases integer NOT NULL,
  PRIMARY KEY (user_id, product_id)
);
`;
