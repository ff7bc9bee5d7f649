import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_FIELD,
  maskPersonalFields,
  openPersonalFields,
  sealPersonalFields,
} from './event-envelope.ts';
import { personalFields } from './personal-fields.ts';

const rule = personalFields.OrderPlaced!;
const address = { street: '3 Quince Yard', city: 'Ely', state: null, postal_code: 'CB7 4AA', country: 'GB' };
const data = { schema_version: 1, order_id: 'ord_1', user_id: 'usr_1', shipping_address: address };

describe('the pd2 envelope: one AES-GCM seal per event', () => {
  it('seals every present personal field into one envelope and opens it back to the same data', () => {
    const key = randomBytes(32);
    const sealed = sealPersonalFields(data, rule, 'usr_1', key);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('Quince');
    expect(text).not.toContain('CB7');
    expect(sealed.shipping_address).toEqual({
      street: 'pd2.*',
      city: 'pd2.*',
      state: null,
      postal_code: 'pd2.*',
      country: 'GB',
    });
    expect(String(sealed[ENVELOPE_FIELD])).toMatch(/^pd2\./);
    expect(data.shipping_address.street).toBe('3 Quince Yard');
    expect(openPersonalFields(sealed, rule, 'usr_1', key)).toEqual(data);
  });

  it('refuses another key or another owner (the owner is bound in as associated data)', () => {
    const key = randomBytes(32);
    const sealed = sealPersonalFields(data, rule, 'usr_1', key);
    expect(() => openPersonalFields(sealed, rule, 'usr_1', randomBytes(32))).toThrow();
    expect(() => openPersonalFields(sealed, rule, 'usr_2', key)).toThrow();
  });

  it('seals a value that looks like ciphertext on append, and masks every field after erasure', () => {
    const key = randomBytes(32);
    const tricky = { ...data, shipping_address: { ...address, street: 'pd1.not-a-ciphertext' } };
    const sealed = sealPersonalFields(tricky, rule, 'usr_1', key);
    expect(openPersonalFields(sealed, rule, 'usr_1', key)).toEqual(tricky);
    const masked = maskPersonalFields(sealed, rule);
    expect(masked[ENVELOPE_FIELD]).toBeUndefined();
    expect(masked.shipping_address).toEqual({
      street: '[erased]',
      city: '[erased]',
      state: null,
      postal_code: '[erased]',
      country: 'GB',
    });
  });

  it('opens and masks a copy by default, and the data itself when asked to (a freshly parsed event)', () => {
    const key = randomBytes(32);
    const sealed = sealPersonalFields(data, rule, 'usr_1', key);
    const stored = structuredClone(sealed);
    // By default what was read stays as stored: the audit's verify hashes it after decrypting.
    expect(openPersonalFields(sealed, rule, 'usr_1', key)).toEqual(data);
    expect(maskPersonalFields(sealed, rule).shipping_address).toMatchObject({ street: '[erased]' });
    expect(sealed).toEqual(stored);

    // In place, the nested objects are changed rather than copied; the top level is a copy without
    // the envelope (deleting it would leave a slow dictionary object to every later reader).
    const owned = structuredClone(stored);
    const opened = openPersonalFields(owned, rule, 'usr_1', key, true);
    expect(opened).toEqual(data);
    expect(opened.shipping_address).toBe(owned.shipping_address);
    expect(owned.shipping_address).toEqual(data.shipping_address);
    const toMask = structuredClone(stored);
    const masked = maskPersonalFields(toMask, rule, true);
    expect(masked[ENVELOPE_FIELD]).toBeUndefined();
    expect(masked.shipping_address).toBe(toMask.shipping_address);
    expect(masked.shipping_address).toMatchObject({ street: '[erased]', city: '[erased]', country: 'GB' });
  });
});
