import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { ErrorCode } from '../domain/shared/errors.ts';
import { canonicalJson } from '../infra/eventstore/hash-chain/canonical-json.ts';
import { HttpError } from '../infra/http/http-error.ts';
import { clientIp } from '../infra/http/rate-limit.ts';
import { redisScript, runScript } from '../infra/redis/script.ts';

type Pending = { state: 'pending'; fingerprint: string };
type Done = {
  state: 'done';
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  /** base64 of the response body as sent. */
  body: string;
};

export type IdempotencyOptions = {
  redis: Redis;
  clock: () => Date;
  /**
   * A keyed hash of the request (PersonalData.fingerprint): the record outlives the request by a day,
   * and a plain hash of a body that holds a password would give the password to whoever reads Redis,
   * at SHA-256 speed.
   */
  fingerprint: (text: string) => string;
  /** How long a key is remembered. Default 24 h. */
  ttlSeconds?: number;
  /** How long the first request holds the key before another may take over (it crashed). */
  lockMs?: number;
  /** How long a concurrent duplicate waits for the first to finish before it is refused (409). */
  waitMs?: number;
  /**
   * The refusal of a duplicate whose first request is still running: RES_3003 by default; a route
   * whose contract names its own (checkout: BIZ_4010, "already in progress") passes that.
   */
  inProgress?: { code: ErrorCode; message: string };
};

// The headers that make up "the same response"; X-Request-Id stays the replaying request's own.
// A guest's first cart answer issues its cart token: a replay must hand back the same one.
const replayedHeaders = ['content-type', 'etag', 'location', 'x-consistency-token', 'x-cart-token'];
const validKey = /^[\x21-\x7e]{1,255}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What a request with an Idempotency-Key claims in Redis: its scoped key and the pending record to set. */
export type IdempotencyClaim = {
  redisKey: string;
  fingerprint: string;
  /** The plain SHA-256 fingerprint that records written before wave 20 hold (they expire within a day). */
  legacyFingerprint: () => string;
  pending: string;
};

/** Marks a keyed fingerprint; a record without it was written before wave 20, with a plain SHA-256. */
const KEYED = 'k1:';

/**
 * Idempotency-Key on POST: the first request with a key runs and its response (status, body, the
 * headers above) is kept 24 h; the same key with the same body replays it and runs nothing; the
 * same key with another body is 422 VAL_2004. Keys are scoped to the caller (user, else IP). A
 * duplicate arriving while the first still runs waits for it (SET NX lock), then replays, or is
 * refused with 409 when the first takes too long. 5xx responses are not kept, so a retry runs again.
 * The key is claimed by the route's admission (admission.ts), in its one Redis round trip.
 *
 * `claimOf` reads the key (400 VAL_2001 when malformed; undefined without one); the caller claims it
 * (admission.ts: with the rate limits, in one script); `proceed` takes what the claim found: null when
 * this request took the key (it runs, and its response is kept), else the stored record (replayed,
 * refused, or waited on).
 */
export function idempotencyKeys(options: IdempotencyOptions) {
  const { redis } = options;
  const ttlMs = (options.ttlSeconds ?? 24 * 60 * 60) * 1000;
  const lockMs = options.lockMs ?? 30_000;
  const waitMs = options.waitMs ?? 5_000;
  const inProgress = options.inProgress ?? {
    code: ErrorCode.VersionConflict,
    message: 'A request with this Idempotency-Key is still in progress',
  };

  /** Takes the key (null), else what is stored under it; a key that expired between the two is taken again. */
  async function claimOrRead(claim: IdempotencyClaim): Promise<string | null> {
    for (;;) {
      if ((await redis.set(claim.redisKey, claim.pending, 'PX', lockMs, 'NX')) === 'OK') return null;
      const stored = await redis.get(claim.redisKey);
      if (stored !== null) return stored;
    }
  }

  function claimOf(req: Request): IdempotencyClaim | undefined {
    const key = req.get('idempotency-key');
    if (key === undefined) return undefined;
    if (!validKey.test(key))
      throw new HttpError(ErrorCode.ValidationFailed, 'Invalid Idempotency-Key', {
        details: [{ field: 'Idempotency-Key', message: '1..255 visible ASCII characters' }],
      });
    const cartToken = req.get('x-cart-token');
    // A guest holding a cart token is scoped by (a hash of) it, so guests behind one IP stay apart.
    const scope = req.auth
      ? `user:${req.auth.userId}`
      : cartToken
        ? `cart:${sha256(cartToken)}`
        : `ip:${clientIp(req)}`;
    // Canonical JSON (sorted keys): the key order of the client's body does not change the fingerprint.
    const request = `${req.method} ${req.baseUrl}${req.path}\n${canonicalJson(req.body)}`;
    // If-Match is part of the request: a retry that corrects it is another request, not a replay.
    const fingerprint = `${KEYED}${options.fingerprint(`${request}\n${req.get('if-match') ?? ''}`)}`;
    const pending: Pending = { state: 'pending', fingerprint };
    return {
      redisKey: `idem:${scope}:${sha256(key)}`,
      fingerprint,
      legacyFingerprint: () => sha256(request),
      pending: JSON.stringify(pending),
    };
  }

  async function proceed(
    req: Request,
    res: Response,
    next: NextFunction,
    claim: IdempotencyClaim,
    found: string | null,
  ): Promise<void> {
    const { redisKey, fingerprint } = claim;
    const deadline = options.clock().getTime() + waitMs;
    let stored = found;
    while (stored !== null) {
      const record = JSON.parse(stored) as Pending | Done;
      const same = record.fingerprint.startsWith(KEYED)
        ? record.fingerprint === fingerprint
        : record.fingerprint === claim.legacyFingerprint();
      if (!same)
        throw new HttpError(
          ErrorCode.IdempotencyKeyReused,
          'Idempotency-Key was used with a different request',
        );
      if (record.state === 'done') return replay(res, record);
      if (options.clock().getTime() >= deadline)
        throw new HttpError(inProgress.code, inProgress.message, {
          status: 409,
          headers: { 'Retry-After': '1' },
        });
      await sleep(50);
      stored = await claimOrRead(claim);
    }

    const chunks = capture(res);
    let settled = false;
    const settle = async (finished: boolean) => {
      if (settled) return;
      settled = true;
      try {
        if (finished && res.statusCode < 500 && res.statusCode !== 429) {
          const headers: Record<string, string> = {};
          for (const name of replayedHeaders) {
            const value = res.getHeader(name);
            if (value !== undefined) headers[name] = String(value);
          }
          const body = Buffer.concat(chunks);
          const done: Done = {
            state: 'done',
            fingerprint,
            status: res.statusCode,
            headers,
            body: body.toString('base64'),
          };
          // Filed under the person the answer is about, so their erasure can drop it (forgetAnswersAbout);
          // not kept at all once they are erased (a request that ran across the erasure).
          const about = userNamedIn(body, headers['content-type']);
          if (about) {
            const keys = [redisKey, aboutKey(about), erasedKey(about)];
            await runScript(redis, KEEP_ABOUT, keys, [JSON.stringify(done), ttlMs, redisKey]);
          } else await redis.set(redisKey, JSON.stringify(done), 'PX', ttlMs);
        } else {
          await redis.del(redisKey);
        }
      } catch (error) {
        req.log.warn({ err: error }, 'could not record the idempotent response');
      }
    };
    res.on('finish', () => void settle(true));
    res.on('close', () => void settle(res.writableFinished));
    next();
  }

  return { claimOf, proceed, lockMs };
}

const aboutKey = (userId: string) => `idem:about:${userId}`;
const erasedKey = (userId: string) => `idem:erased:${userId}`;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * KEYS: the record, its person's index, their erasure mark; ARGV: the record, its TTL, and the record's
 * name as the index lists it (without the client's key prefix, which ioredis adds to KEYS only).
 */
const KEEP_ABOUT = redisScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`);

/** The user an answer is about: its JSON body's top-level `user_id` (a profile, an order, a cart, a review). */
function userNamedIn(body: Buffer, contentType: string | undefined): string | undefined {
  if (!contentType?.includes('json') || body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { user_id?: unknown };
    return typeof parsed?.user_id === 'string' ? parsed.user_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Drops every kept answer about this user (an erasure, docs/privacy.md): a kept answer is the response as
 * sent, with the person's details in it (a registration, an order's addresses, an admin's role change).
 * A retry with such a key afterwards runs again, as one after the 24 hours would.
 */
export async function forgetAnswersAbout(redis: Redis, userId: string): Promise<void> {
  // Marked first: an answer about them still being sent is then not kept either (KEEP_ABOUT).
  await redis.set(erasedKey(userId), '1', 'PX', DAY_MS);
  const keys = await redis.smembers(aboutKey(userId));
  await redis.del(...keys, aboutKey(userId));
}

function replay(res: Response, record: Done) {
  for (const [name, value] of Object.entries(record.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(record.status).end(Buffer.from(record.body, 'base64'));
}

/** Keeps a copy of everything written to the response. */
function capture(res: Response): Buffer[] {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
    );
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as Response['write'];
  res.end = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return end(...args);
  }) as Response['end'];
  return chunks;
}
