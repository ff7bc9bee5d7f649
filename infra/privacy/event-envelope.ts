import {
  decryptFields,
  isSealedField,
  mapFields,
  maskFields,
  openPd1Field,
  SEALED_IN_ENVELOPE,
} from './field-cipher.ts';
import { type Key, open, seal } from './master-key.ts';
import type { PersonalFieldRule } from './personal-fields.ts';

/**
 * The current format (pd2): all personal fields of one event in ONE AES-256-GCM envelope, so an event
 * costs one cipher set-up however many personal fields it has. The envelope is the JSON object
 * { "<dotted path>": value } sealed under the owner's data key, stored as `data.personal_data` =
 * "pd2." + base64url(iv ‖ ciphertext ‖ tag); each field it holds is left in place as the placeholder
 * "pd2.*", so masking after erasure still knows which fields the event had. The format before this one
 * (pd1, one envelope per field, field-cipher.ts) and plain values from before encryption still read.
 */
export const ENVELOPE_FIELD = 'personal_data';
const PREFIX = 'pd2.';

type Data = Record<string, unknown>;

const aadFor = (subject: string) => `personal-data:pd2:${subject}`;

/**
 * Seals the personal fields of `data` into one envelope. `keepSealed` (the legacy migration) leaves
 * fields already sealed (pd1) as they are; appends seal every value, whatever it looks like.
 */
export function sealPersonalFields(
  data: Data,
  rule: PersonalFieldRule,
  subject: string,
  key: Key,
  options: { keepSealed?: boolean } = {},
): Data {
  const values: Record<string, unknown> = {};
  let count = 0;
  const copy = mapFields(data, rule, (value, path) => {
    if (options.keepSealed && isSealedField(value)) return value;
    values[path] = value;
    count += 1;
    return SEALED_IN_ENVELOPE;
  });
  if (count === 0) return data;
  if (typeof data[ENVELOPE_FIELD] === 'string')
    throw new Error('event already holds a personal-data envelope');
  const sealed = seal(key, Buffer.from(JSON.stringify(values), 'utf8'), aadFor(subject));
  copy[ENVELOPE_FIELD] = PREFIX + sealed.toString('base64url');
  return copy;
}

/**
 * The event's data as readers see it: the envelope opened (and pd1 fields) with the owner's key. With
 * `inPlace`, `data` itself is changed and returned (the caller owns it: freshly parsed from the store);
 * otherwise `data` is left as it is and a copy returned.
 */
export function openPersonalFields(
  data: Data,
  rule: PersonalFieldRule,
  subject: string,
  key: Key,
  inPlace = false,
): Data {
  const envelope = data[ENVELOPE_FIELD];
  if (typeof envelope !== 'string' || !envelope.startsWith(PREFIX))
    return decryptFields(data, rule, subject, key, inPlace);
  const values = JSON.parse(
    open(key, Buffer.from(envelope.slice(PREFIX.length), 'base64url'), aadFor(subject)).toString('utf8'),
  ) as Record<string, unknown>;
  const rest = withoutEnvelope(data, inPlace);
  // A field is either in the envelope (placeholder) or, after the legacy migration, maybe pd1.
  return mapFields(
    rest,
    rule,
    (value, path) =>
      value === SEALED_IN_ENVELOPE && path in values ? values[path] : openPd1Field(value, subject, key),
    inPlace,
  );
}

/** Every personal field, sealed or plain, reads as "[erased]"; the envelope is dropped. */
export function maskPersonalFields(data: Data, rule: PersonalFieldRule, inPlace = false): Data {
  return maskFields(withoutEnvelope(data, inPlace), rule, inPlace);
}

function withoutEnvelope(data: Data, inPlace: boolean): Data {
  if (!inPlace) {
    const { [ENVELOPE_FIELD]: _, ...rest } = data;
    return rest;
  }
  // `delete` leaves the object a dictionary (jsonb puts the envelope mid-object), and yet a copy or
  // `= undefined` measured worse for the process as a whole: the upcaster's spread then sees one more
  // object shape and slowed for plain events (docs/performance.md, wave 8).
  delete data[ENVELOPE_FIELD];
  return data;
}
