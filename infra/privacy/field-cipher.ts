import { type Key, open, seal } from './master-key.ts';
import { ERASED, type PersonalFieldRule } from './personal-fields.ts';

/** An encrypted field value: this prefix, then base64url of iv ‖ ciphertext ‖ tag of the JSON value. */
const PREFIX = 'pd1.';

export const isEncrypted = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(PREFIX);

const aadFor = (subject: string) => `personal-data:${subject}`;

type Data = Record<string, unknown>;

/** Applies `change` to each personal field present (not null) in a copy of `data`. */
function mapFields(data: Data, rule: PersonalFieldRule, change: (value: unknown) => unknown): Data {
  const copy: Data = { ...data };
  for (const path of rule.fields) {
    const parts = path.split('.');
    let holder: Data = copy;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      const next = holder[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        ok = false;
        break;
      }
      const cloned = { ...(next as Data) };
      holder[part] = cloned;
      holder = cloned;
    }
    const last = parts.at(-1)!;
    if (!ok || holder[last] === undefined || holder[last] === null) continue;
    holder[last] = change(holder[last]);
  }
  return copy;
}

export function encryptFields(data: Data, rule: PersonalFieldRule, subject: string, key: Key): Data {
  return mapFields(data, rule, (value) =>
    isEncrypted(value)
      ? value
      : PREFIX + seal(key, Buffer.from(JSON.stringify(value), 'utf8'), aadFor(subject)).toString('base64url'),
  );
}

/** Decrypts with the key; plain values (written before encryption) pass through. */
export function decryptFields(data: Data, rule: PersonalFieldRule, subject: string, key: Key): Data {
  return mapFields(data, rule, (value) =>
    isEncrypted(value)
      ? JSON.parse(
          open(key, Buffer.from(value.slice(PREFIX.length), 'base64url'), aadFor(subject)).toString('utf8'),
        )
      : value,
  );
}

/** Every personal field, encrypted or not, reads as "[erased]". */
export const maskFields = (data: Data, rule: PersonalFieldRule): Data => mapFields(data, rule, () => ERASED);

/** True when some personal field of `data` is encrypted. */
export function hasEncryptedFields(data: Data, rule: PersonalFieldRule): boolean {
  let found = false;
  mapFields(data, rule, (value) => {
    if (isEncrypted(value)) found = true;
    return value;
  });
  return found;
}
