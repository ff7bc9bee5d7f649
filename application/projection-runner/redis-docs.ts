import type { Redis } from 'ioredis';
import {
  comparePositions,
  type Position,
  parsePosition,
  positionToString,
} from '../../infra/eventstore/position.ts';
import { redisScript, runScript } from '../../infra/redis/script.ts';

/**
 * Each Redis read-model key is a hash `{pos, doc}`: the position of the event it reflects and the JSON
 * document (empty for a tombstone, so an old event replayed later cannot bring a deleted key back).
 * The script writes only when the event is newer than the stored position and the key has not moved since
 * it was read (compare-and-set), so replaying any prefix of the log twice changes nothing.
 * Returns 1 applied, 0 already reflected (stale), -1 changed since read (re-read and retry).
 */
const GUARDED = `
local function cmp(x, y)
  if #x ~= #y then if #x < #y then return -1 else return 1 end end
  if x == y then return 0 end
  if x < y then return -1 else return 1 end
end
local function newer(a, b)
  local ac, ap = string.match(a, '^(%d+)%.(%d+)$')
  local bc, bp = string.match(b, '^(%d+)%.(%d+)$')
  local c = cmp(ac, bc)
  if c ~= 0 then return c > 0 end
  return cmp(ap, bp) > 0
end
local function guarded(key, pos, expected, doc)
  local cur = redis.call('HGET', key, 'pos')
  if not cur then cur = '' end
  if cur ~= expected then return -1 end
  if cur ~= '' and not newer(pos, cur) then return 0 end
  redis.call('HSET', key, 'pos', pos, 'doc', doc)
  return 1
end
`;

/** One guarded write: KEYS[1], ARGV position, expected position, document. */
const guardedWriteScript = redisScript(`${GUARDED}return guarded(KEYS[1], ARGV[1], ARGV[2], ARGV[3])`);

/** A guarded write per key (a batch's flush): ARGV holds position, expected, document per key; one result each. */
export const GUARDED_WRITES = redisScript(`${GUARDED}
local out = {}
for i, key in ipairs(KEYS) do out[i] = guarded(key, ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]) end
return out`);

/** `pos` and `doc` of every key, flat (a batch's read): nil for an absent field. */
export const READ_DOCS = redisScript(`
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'pos', 'doc')
  out[2 * i - 1] = v[1]
  out[2 * i] = v[2]
end
return out`);

const guardedWrite = async (redis: Redis, key: string, position: string, expected: string, doc: string) =>
  (await runScript(redis, guardedWriteScript, [key], [position, expected, doc])) as number;

/** Writes for one event: every write is guarded by that event's position. */
export type RedisDocWriter = {
  /** The current document (undefined when absent or deleted). */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Read-modify-write of one document. `change` gets the current document and returns the next one, null to
   * delete it, or undefined to leave it. Returns false when the key already reflects this event or a newer one.
   */
  update<T>(key: string, change: (current: T | undefined) => T | null | undefined): Promise<boolean>;
};

export type StoredDoc<T> = { position: Position | undefined; doc: T | undefined };

/** Reads one document and the position it reflects (query side and tests). */
export async function readDoc<T>(redis: Redis, fullKey: string): Promise<StoredDoc<T>> {
  const [pos, doc] = await redis.hmget(fullKey, 'pos', 'doc');
  return {
    position: pos ? parsePosition(pos) : undefined,
    doc: doc ? (JSON.parse(doc) as T) : undefined,
  };
}

export function createRedisDocWriter(redis: Redis, prefix: string, position: Position): RedisDocWriter {
  const pos = positionToString(position);
  return {
    get: async <T>(key: string) => (await readDoc<T>(redis, prefix + key)).doc,
    async update<T>(key: string, change: (current: T | undefined) => T | null | undefined) {
      const fullKey = prefix + key;
      for (;;) {
        const [stored, doc] = await redis.hmget(fullKey, 'pos', 'doc');
        const storedPosition = stored ? parsePosition(stored) : undefined;
        if (storedPosition && comparePositions(storedPosition, position) >= 0) return false;
        const next = change(doc ? (JSON.parse(doc) as T) : undefined);
        if (next === undefined) return false;
        const result = await guardedWrite(
          redis,
          fullKey,
          pos,
          stored ?? '',
          next === null ? '' : JSON.stringify(next),
        );
        if (result === 1) return true;
        if (result === 0) return false;
        // -1: another writer moved the key between our read and write; read again.
      }
    },
  };
}
