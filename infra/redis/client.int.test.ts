import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freezableProxy } from '../../test/support/freezable-proxy.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { isDependencyUnavailable } from '../http/dependency-errors.ts';
import { createRedis, deleteKeysWithPrefix, execAll, pingRedis, redisDatabaseIndex } from './client.ts';

const withDb = (db: number) => {
  const url = new URL(redisUrl);
  url.pathname = `/${db}`;
  return url.toString();
};

describe('redis client', () => {
  const prefix = testKeyPrefix('redis-client');
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const client of clients) client.disconnect();
  });

  it('reads the database index from the URL', () => {
    expect(redisDatabaseIndex('redis://127.0.0.1:6379')).toBe(0);
    expect(redisDatabaseIndex('redis://127.0.0.1:6379/3')).toBe(3);
    expect(() => redisDatabaseIndex('redis://127.0.0.1:6379/x')).toThrow(/database index/);
  });

  it('honours the database index and the key prefix', async () => {
    const ours = createRedis({ url: withDb(3), keyPrefix: prefix });
    const db3 = new Redis(withDb(3));
    const db0 = new Redis(withDb(0));
    clients.push(ours, db3, db0);
    await pingRedis(ours);
    await ours.set('k', 'v', 'EX', 60);
    expect(await db3.get(`${prefix}k`)).toBe('v');
    expect(await db0.get(`${prefix}k`)).toBeNull();
    expect(await deleteKeysWithPrefix(ours)).toBe(1);
    expect(await db3.get(`${prefix}k`)).toBeNull();
  });

  it('fails a command a half-open connection never answers (503), then connects again', async () => {
    const proxy = await freezableProxy();
    const client = createRedis({ url: proxy.url, keyPrefix: prefix, commandTimeoutMs: 300, livenessMs: 100 });
    try {
      await client.set('half-open', 'v', 'EX', 60);
      // Nothing passes either way any more, and nothing closes.
      proxy.freeze();
      const error = await client.get('half-open').then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isDependencyUnavailable(error)).toBe(true);
      // Its PINGs fail the same way: the dead socket is destroyed, and ioredis connects anew.
      await vi.waitFor(() => expect(proxy.connections()).toBeGreaterThan(1), { timeout: 10_000 });
      await vi.waitFor(async () => expect(await client.get('half-open')).toBe('v'), { timeout: 10_000 });
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('keeps a connection that answers with an error: only silence condemns it', async () => {
    const proxy = await freezableProxy();
    const client = createRedis({ url: proxy.url, keyPrefix: prefix, livenessMs: 50 });
    try {
      await client.set('answered', 'v', 'EX', 60);
      // Each of its PINGs is answered, with an error (as Redis answers BUSY under a long script).
      const restore = proxy.answerWith('LOADING Redis is loading the dataset in memory');
      await expect(client.ping()).rejects.toThrow(/LOADING/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      restore();
      expect(await client.get('answered')).toBe('v');
      expect(proxy.connections()).toBe(1);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('throws the error a pipeline or a transaction reports in a command’s slot', async () => {
    const client = createRedis({ url: redisUrl, keyPrefix: prefix });
    clients.push(client);
    await client.set('plain', 'v', 'EX', 60);
    // exec() itself resolves, with WRONGTYPE in the HGET's slot.
    const results = await client.pipeline().get('plain').hget('plain', 'doc').exec();
    expect(results?.[1]?.[0]).toBeInstanceOf(Error);
    await expect(execAll(client.pipeline().get('plain').hget('plain', 'doc'))).rejects.toThrow(/WRONGTYPE/);
    await expect(execAll(client.multi().get('plain').hget('plain', 'doc'))).rejects.toThrow(/WRONGTYPE/);
    expect(await execAll(client.pipeline().get('plain').exists('plain'))).toEqual(['v', 1]);
  });

  it('fails a ping against a dead server within the deadline', async () => {
    const dead = createRedis({ url: 'redis://127.0.0.1:1' });
    clients.push(dead);
    await expect(pingRedis(dead, 300)).rejects.toThrow();
  });
});
