import { type AddressInfo, createServer } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freezableProxy } from '../../test/support/freezable-proxy.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { captureLogs } from '../../test/support/log-capture.ts';
import { acquireLease, type Lease, type LeaseOptions } from './lease.ts';

const logger = pino({ level: 'silent' });
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Client;
const held: Lease[] = [];

beforeAll(async () => {
  database = await createTestDatabase('lease');
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(held.map((lease) => lease.release()));
  await admin.end();
  await database.drop();
});

const acquire = async (projection: string, instanceId: string, extra: Partial<LeaseOptions> = {}) => {
  const lease = await acquireLease({
    clientConfig: { connectionString: database.url },
    projection,
    instanceId,
    signal: extra.signal ?? AbortSignal.timeout(10_000),
    retryMs: 20,
    checkMs: 50,
    logger,
    ...extra,
  });
  if (lease) held.push(lease);
  return lease;
};

const sessions = async (instance: string) => {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`,
    [`projection-leases:${instance}`],
  );
  return rows[0]!.n;
};

describe('projection leases', () => {
  it("holds a process's leases on one session, and closes it once none is held", async () => {
    const leases = await Promise.all(['p1', 'p2', 'p3'].map((p) => acquire(p, 'shared')));
    expect(leases.every(Boolean)).toBe(true);
    expect(await sessions('shared')).toBe(1);
    // Another instance gets none of them while they are held.
    expect(await acquire('p2', 'other', { signal: AbortSignal.timeout(300) })).toBeUndefined();
    for (const lease of leases) await lease!.release();
    await vi.waitFor(async () => expect(await sessions('shared')).toBe(0));
    expect(await acquire('p2', 'other')).toBeDefined();
  });

  it('never lets two callers of one process hold a projection, though the session could lock it twice', async () => {
    const [first, second] = await Promise.all([
      acquire('twice', 'same'),
      acquire('twice', 'same', { signal: AbortSignal.timeout(500) }),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const holder = (first ?? second)!;
    const waiting = acquire('twice', 'same');
    await holder.release();
    const next = await waiting;
    expect(next).toBeDefined();
    // Released once, held once: the session's lock count is one, so the other instance gets it after one release.
    await next!.release();
    expect(await acquire('twice', 'elsewhere', { signal: AbortSignal.timeout(2_000) })).toBeDefined();
  });

  it('loses every lease of a session that is terminated; another instance then takes them over', async () => {
    const [a, b] = await Promise.all([acquire('kill-a', 'doomed'), acquire('kill-b', 'doomed')]);
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'projection-leases:doomed'`,
    );
    await vi.waitFor(() => {
      expect(a!.lost.aborted).toBe(true);
      expect(b!.lost.aborted).toBe(true);
    });
    expect(await acquire('kill-a', 'heir')).toBeDefined();
    expect(await acquire('kill-b', 'heir')).toBeDefined();
    await a!.release();
    await b!.release();
  });

  it('gives up the leases of a session that stops answering (half-open: no error, no end)', async () => {
    const proxy = await freezableProxy(database.url);
    try {
      const throughProxy = { clientConfig: { connectionString: proxy.url } };
      const lease = await acquire('frozen', 'frozen', { ...throughProxy, deadlineMs: 300 });
      expect(lease).toBeDefined();
      proxy.freeze();
      await vi.waitFor(() => expect(lease!.lost.aborted).toBe(true), { timeout: 5_000 });
      await lease!.release();
      // The server still holds the lock for the frozen connection's process, until it notices the peer
      // is gone: the next session (a new connection through the proxy) ends that process first.
      const again = await acquire('frozen', 'frozen', {
        ...throughProxy,
        signal: AbortSignal.timeout(5_000),
      });
      expect(again).toBeDefined();
      await again!.release();
    } finally {
      await proxy.close();
    }
  });

  it('gives up connecting when the server never answers, and when the caller gives up', async () => {
    const silent = createServer(() => {}); // accepts, never says a word
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/nowhere`;
    try {
      const attempt = (signal: AbortSignal) =>
        acquireLease({
          clientConfig: { connectionString: url },
          projection: 'silent',
          instanceId: 'silent',
          signal,
          retryMs: 20,
          deadlineMs: 60_000,
          logger,
        });
      // The caller's signal ends the wait although the connect has no answer (and a long deadline).
      expect(await attempt(AbortSignal.timeout(300))).toBeUndefined();
      // A connect unanswered within the deadline is given up, so the session does not wait on it forever.
      const captured = captureLogs();
      const bounded = await acquireLease({
        clientConfig: { connectionString: url },
        projection: 'silent',
        instanceId: 'silent-bounded',
        signal: AbortSignal.timeout(1_500),
        retryMs: 20,
        deadlineMs: 200,
        logger: captured.logger,
      });
      expect(bounded).toBeUndefined();
      // Several attempts, each given up at its deadline.
      expect(captured.lines.filter((l) => l.includes('lease attempt failed')).length).toBeGreaterThan(1);
    } finally {
      silent.close();
    }
  });
});
