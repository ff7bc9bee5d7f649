import { defineConfig } from 'vitest/config';
import { WORKERS } from './test/support/pg-budget.ts';

// Three levels, selectable on their own (`--project unit|int|e2e`), all together under `npm test`.
// int and e2e files run against the real PostgreSQL/Redis/Kafka; each file isolates itself
// (its own schema, key prefix, topics), so files may run in parallel.
export default defineConfig({
  test: {
    // One pool for all projects: at most WORKERS files at once, the PostgreSQL budget's assumption.
    maxWorkers: WORKERS,
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude: ['node_modules/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          maxWorkers: WORKERS, // PostgreSQL connection budget: test/support/pg-budget.ts
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
          maxWorkers: WORKERS,
          exclude: ['node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/global-setup.ts', 'test/kafka-setup.ts'],
        },
      },
    ],
  },
});
