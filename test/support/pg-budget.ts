/**
 * How many PostgreSQL connections the int and e2e suites may hold at once, computed from the pool sizes
 * the test support gives each file (issue 12: on a loaded machine a file failed with "too many clients").
 * test/global-setup.ts prints it once and refuses to start when it does not fit in max_connections.
 * Keep these numbers in step with the sizes in projections/test-support.ts and command-api/test-support.ts.
 */
export const perFile = {
  /**
   * createReadSideForTest: read-model pool 8, event store pool 4 and its LISTEN client, lease sessions (one
   * per instance id a file's runners use; 5 at most, which was one per projection before wave 20).
   */
  readSide: 8 + 4 + 1 + 5,
  /** startCommandApiForTest: event store pool 4 and LISTEN client, the head() pool 1, the payments sandbox pool 4. */
  commandApi: 4 + 1 + 1 + 4,
  /** One-off clients a test opens itself (admin, asserting queries). */
  adHoc: 2,
};

/** The heaviest file runs one read side and one command API (test/input-fuzz.e2e.test.ts does). */
export const perFileMax = perFile.readSide + perFile.commandApi + perFile.adHoc;

/**
 * Files vitest runs at once in the int and e2e projects (vitest.config.ts `maxWorkers`). `TEST_WORKERS=1`
 * halves the budget, for a developer running a few files beside another run on the same server.
 */
export const WORKERS = Math.max(1, Number(process.env.TEST_WORKERS) || 2);

/** Global setup's own client, plus every worker's heaviest file. */
export const suiteBound = (workers = WORKERS) => 1 + workers * perFileMax;
