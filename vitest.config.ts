import { defineConfig } from 'vitest/config';

// Three levels, selectable on their own (`--project unit|int|e2e`), all together under `npm test`.
// int and e2e files run against the real PostgreSQL/Redis/Kafka; each file isolates itself
// (its own schema, key prefix, topics), so files may run in parallel.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude: ['node_modules/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/global-setup.ts', 'test/kafka-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/global-setup.ts', 'test/kafka-setup.ts'],
        },
      },
    ],
  },
});
