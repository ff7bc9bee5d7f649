import { type Key, open } from './master-key.ts';
import { ERASED, type PersonalFieldRule } from './personal-fields.ts';

/**
 * The first stored format (pd1): each personal field its own AES-GCM envelope, "pd1." + base64url of
 * iv ‖ ciphertext ‖ tag of the JSON value. No longer written (event-envelope.ts seals one envelope per
 * event) but read forever: events are never rewritten. Also the field walking both formats share.
 */
const PREFIX = 'pd1.';

/** What a field sealed in the event's pd2 envelope (event-envelope.ts) holds in place of its value. */
export const SEALED_IN_ENVELOPE = 'pd2.*';

/** True for a pd1 ciphertext or a pd2 placeholder: the field holds no plain personal data. */
export const isSealedField = (value: unknown): value is string =>
  typeof value === 'string' && (value.startsWith(PREFIX) || value === SEALED_IN_ENVELOPE);

const isPd1 = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

const aadFor = (subject: string) => `personal-data:${subject}`;

type Data = Record<string, unknown>;

const splitPaths = new WeakMap<readonly string[], string[][]>();
const partsOf = (rule: PersonalFieldRule) => {
  let parts = splitPaths.get(rule.fields);
  if (!parts) {
    parts = rule.fields.map((path) => path.split('.'));
    splitPaths.set(rule.fields, parts);
  }
  return parts;
};

/** True when `test` holds for some personal field present (not null) in `data`; copies nothing. */
export function someField(data: Data, rule: PersonalFieldRule, test: (value: unknown) => boolean): boolean {
  for (const parts of partsOf(rule)) {
    let holder: unknown = data;
    for (const part of parts) {
      if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) {
        holder = undefined;
        break;
      }
      holder = (holder as Data)[part];
    }
    if (holder !== undefined && holder !== null && test(holder)) return true;
  }
  return false;
}

/**
 * Applies `change` to each personal field present (not null) in a copy of `data`, or in `data` itself
 * when `inPlace` (the caller owns `data`: an event freshly parsed from the store, seen by nobody else).
 */
export function mapFields(
  data: Data,
  rule: PersonalFieldRule,
  change: (value: unknown, path: string) => unknown,
  inPlace = false,
): Data {
  const copy: Data = inPlace ? data : { ...data };
  const cloned = inPlace ? undefined : new Set<unknown>();
  const paths = partsOf(rule);
  for (let i = 0; i < paths.length; i++) {
    const parts = paths[i]!;
    let holder: Data = copy;
    let ok = true;
    for (let p = 0; p < parts.length - 1; p++) {
      const next = holder[parts[p]!];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        ok = false;
        break;
      }
      // Each nested object is cloned once per copy: a second field of the same object finds the clone.
      let inner = next as Data;
      if (cloned && !cloned.has(inner)) {
        inner = { ...inner };
        cloned.add(inner);
        holder[parts[p]!] = inner;
      }
      holder = inner;
    }
    const last = parts[parts.length - 1]!;
    if (!ok || holder[last] === undefined || holder[last] === null) continue;
    holder[last] = change(holder[last], rule.fields[i]!);
  }
  return copy;
}

/** A pd1 value opened with the key; any other value as it is. */
export const openPd1Field = (value: unknown, subject: string, key: Key): unknown =>
  isPd1(value)
    ? JSON.parse(
        open(key, Buffer.from(value.slice(PREFIX.length), 'base64url'), aadFor(subject)).toString('utf8'),
      )
    : value;

/** Opens pd1 fields with the key; plain values (written before encryption) and others pass through. */
export function decryptFields(
  data: Data,
  rule: PersonalFieldRule,
  subject: string,
  key: Key,
  inPlace = false,
): Data {
  if (!someField(data, rule, isPd1)) return data;
  return mapFields(data, rule, (value) => openPd1Field(value, subject, key), inPlace);
}

/** Every personal field, encrypted or not, reads as "[erased]". */
export const maskFields = (data: Data, rule: PersonalFieldRule, inPlace = false): Data =>
  mapFields(data, rule, () => ERASED, inPlace);
