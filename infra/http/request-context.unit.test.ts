import { describe, expect, it } from 'vitest';
import { generateRequestId } from './request-context.ts';

describe('generateRequestId', () => {
  it('gives req_ and 16 base64url characters, never the same twice across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, generateRequestId); // ~6 refills of the 4 KiB pool
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
