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

    const owned = structuredClone(stored);
    const opened = openPersonalFields(owned, rule, 'usr_1', key, true);
    expect(opened).toBe(owned);
    expect(owned).toEqual(data);
    const toMask = structuredClone(stored);
    expect(maskPersonalFields(toMask, rule, true)).toBe(toMask);
    expect(toMask[ENVELOPE_FIELD]).toBeUndefined();
    expect(toMask.shipping_address).toMatchObject({ street: '[erased]', city: '[erased]', country: 'GB' });
  });
});
