import fc from 'fast-check';

/** fast-check arbitraries for test/input-fuzz.e2e.test.ts: hostile strings, numbers, nesting, query strings. */
// Any UTF-16 code unit, so lone surrogates and NUL come up, plus the usual suspects.
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '%', '%zz', '\\', '"', '.', '0', 'a', '@'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 3 }),
);
const text = fc.string({ unit, maxLength: 24 });
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 0.1, 99.99, 1234567.89, 9999999.99, 10000000.01, 1e21, 5e-324, 2 ** 53 + 1),
);
const fields = [
  'email',
  'password',
  'first_name',
  'last_name',
  'name',
  'description',
  'price',
  'quantity',
  'product_id',
  'category',
  'refresh_token',
  'reason',
  'role',
  'sku',
  'specifications',
  'images',
  'shipping_address',
  'payment',
  'reservation_id',
  'items',
  'phone',
  'brand',
  'current_password',
  'new_password',
];
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...fields), text), tie('value'), { maxKeys: 5 }),
  ),
}));
export const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.oneof(fc.constantFrom(...fields), text), value, { maxKeys: 8 })
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: value.map((v) => JSON.stringify(v)) },
  // Deep nesting, up to issue 12's 12,000 levels, around an object or at the top.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom(...fields))
      .map(([depth, key]) => `{"${key}":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  },
  { weight: 1, arbitrary: text }, // not JSON at all
);
export const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'page',
          'limit',
          'q',
          'category',
          'search',
          'min_price',
          'max_price',
          'sort_by',
          'status',
          'from',
          'to',
          'type',
          'stream',
          'at',
        ),
        text,
      ),
      text,
    ),
    { maxLength: 5 },
  )
  .chain((pairs) =>
    fc.boolean().map((raw) =>
      pairs
        // Mostly well-encoded; sometimes raw, so malformed %-escapes reach the server as they are.
        .map(([k, v]) =>
          raw
            ? `${k}=${v.replace(/[#&\s?]/g, '')}`
            : `${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, 'x'))}=${safeEncode(v)}`,
        )
        .join('&'),
    ),
  );
/** encodeURIComponent refuses lone surrogates; send their UTF-8-ish bytes as %-escapes instead. */
const safeEncode = (v: string) =>
  [...v].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
export const pathParam = fc.oneof(
  fc.constantFrom('prd_f', 'usr_x', '%E0%A4%A', '%00', '%ED%A0%80', '..', 'a%2Fb'),
  text.map(safeEncode),
);

export const fill = (op: string, param: string) => op.split(' ')[1]!.replace(/\{[^}]+\}/g, param);
