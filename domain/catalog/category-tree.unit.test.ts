import { describe, expect, it } from 'vitest';
import { given } from '../shared/given.ts';
import type { CategoryEvent } from './category-events.ts';
import { resolveCategory, slugify } from './category-names.ts';
import { categoryTreeDecider, pathOf } from './category-tree.ts';

const now = '2026-01-15T10:00:00.000Z';
const created = (slug: string, name: string, parent: string | null = null): CategoryEvent => ({
  type: 'CategoryCreated',
  data: { schema_version: 1, slug, name, parent_slug: parent, created_at: now },
});
const tree = given(categoryTreeDecider);
const electronics = created('electronics', 'Electronics');
const audio = created('audio', 'Audio', 'electronics');
const headphones = created('headphones', 'Headphones', 'audio');

describe('category names', () => {
  it('slugs are lower-case words joined by dashes, accents dropped', () => {
    expect(slugify('Home & Kitchen')).toBe('home-kitchen');
    expect(slugify('  Café Crème ')).toBe('cafe-creme');
    expect(slugify('!!!')).toBe('');
  });

  it('a text names a category by slug, then by name, then by its slug, in any case', () => {
    const all = [
      { slug: 'audio', name: 'Sound' },
      { slug: 'home-kitchen', name: 'Home & Kitchen' },
    ];
    expect(resolveCategory(all, 'AUDIO')?.slug).toBe('audio');
    expect(resolveCategory(all, 'sound')?.slug).toBe('audio');
    expect(resolveCategory(all, 'home & KITCHEN')?.slug).toBe('home-kitchen');
    expect(resolveCategory(all, 'Home Kitchen')?.slug).toBe('home-kitchen');
    expect(resolveCategory(all, 'Garden')).toBeUndefined();
  });
});

describe('category tree', () => {
  it('creates a category at the root or under a parent, its slug from its name', () => {
    tree()
      .when({ type: 'CreateCategory', data: { name: ' Electronics ', now } })
      .thenEvents([electronics]);
    tree(electronics)
      .when({ type: 'CreateCategory', data: { name: 'Audio', parentSlug: 'electronics', now } })
      .thenEvents([audio]);
  });

  it('refuses a name already used, whatever its case or spelling as a slug (409 RES_3002)', () => {
    tree(electronics)
      .when({ type: 'CreateCategory', data: { name: 'ELECTRONICS', now } })
      .thenThrows('RES_3002');
    tree(electronics, audio)
      .when({ type: 'ChangeCategory', data: { slug: 'audio', name: 'electronics', now } })
      .thenThrows('RES_3002');
  });

  it('refuses an unknown parent (404) and an empty or symbol-only name (400)', () => {
    tree()
      .when({ type: 'CreateCategory', data: { name: 'Audio', parentSlug: 'nope', now } })
      .thenThrows('RES_3001');
    tree()
      .when({ type: 'CreateCategory', data: { name: '  ', now } })
      .thenThrows('VAL_2001');
    tree()
      .when({ type: 'CreateCategory', data: { name: '&&', now } })
      .thenThrows('VAL_2001');
  });

  it('renames and moves, keeping the slug; moving to where it is decides nothing', () => {
    const garden = created('garden', 'Garden');
    tree(electronics, audio, garden)
      .when({ type: 'ChangeCategory', data: { slug: 'audio', name: 'Sound', parentSlug: null, now } })
      .thenEvents([
        {
          type: 'CategoryRenamed',
          data: { schema_version: 1, slug: 'audio', old_name: 'Audio', name: 'Sound', renamed_at: now },
        },
        {
          type: 'CategoryMoved',
          data: {
            schema_version: 1,
            slug: 'audio',
            old_parent_slug: 'electronics',
            parent_slug: null,
            moved_at: now,
          },
        },
      ]);
    tree(electronics, audio)
      .when({
        type: 'ChangeCategory',
        data: { slug: 'audio', name: 'Audio', parentSlug: 'electronics', now },
      })
      .thenEvents([]);
  });

  it('refuses a move under the category itself or one of its descendants (409 BIZ_4006)', () => {
    const state = [electronics, audio, headphones];
    tree(...state)
      .when({ type: 'ChangeCategory', data: { slug: 'electronics', parentSlug: 'headphones', now } })
      .thenThrows('BIZ_4006');
    tree(...state)
      .when({ type: 'ChangeCategory', data: { slug: 'audio', parentSlug: 'audio', now } })
      .thenThrows('BIZ_4006');
    tree(...state)
      .when({ type: 'ChangeCategory', data: { slug: 'ghost', name: 'X', now } })
      .thenThrows('RES_3001');
    expect(pathOf(tree(...state).state(), 'headphones')).toEqual(['electronics', 'audio', 'headphones']);
  });

  it('files a product: a known text decides nothing, an unknown one creates a root category', () => {
    tree(electronics, audio)
      .when({ type: 'EnsureCategory', data: { text: 'AUDIO', now } })
      .thenEvents([]);
    tree(electronics)
      .when({ type: 'EnsureCategory', data: { text: 'Smart Home', now } })
      .thenEvents([created('smart-home', 'Smart Home')]);
    tree()
      .when({ type: 'EnsureCategory', data: { text: '???', now } })
      .thenEvents([]);
  });
});
