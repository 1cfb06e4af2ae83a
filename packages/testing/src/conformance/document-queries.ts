/** Document queries: filters, sorting, offset and keyset paging, counting, patches, indexes. */
import { describe, expect, it } from 'vitest';
import {
  defineCollection,
  isDocumentConflictError,
  isDocumentNotFoundError,
  isValidationError,
  type FindOptions,
  type Store,
} from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

interface Item {
  readonly name?: unknown;
  readonly total?: unknown;
  readonly open?: unknown;
  readonly customer?: { readonly id?: string; readonly tier?: string };
  readonly tags?: readonly string[];
}

const Items = defineCollection<Item>('items', {
  fields: { name: 'string', total: 'number', open: 'boolean', 'customer.id': 'string' },
  indexes: [['total'], ['customer.id', 'name'], ['open', 'total']],
});

/** Documents chosen to hit the edges: missing fields, JSON null, other types, ties, non-ASCII. */
const ITEMS: Record<string, Item> = {
  a: { name: 'apple', total: 10, open: true, customer: { id: 'c1', tier: 'gold' } },
  b: { name: 'Banana', total: 2.5, open: false, customer: { id: 'c2' } },
  c: { name: 'cherry', total: 10, open: true, customer: { id: 'c1' } },
  d: { name: 'éclair', total: -3, customer: { id: 'c3' } },
  e: { name: '😀 emoji', total: '10', open: 'yes' },
  f: { name: null, total: 100, open: false },
  g: { total: 0, customer: { id: 'c2', tier: 'gold' }, tags: ['x'] },
  h: { name: '\uFFFD replacement', total: null },
};

async function seeded(open: () => Promise<Store>): Promise<Store> {
  const store = await open();
  for (const [id, item] of Object.entries(ITEMS)) await store.documents.put(Items, id, item);
  await store.documents.put('other', 'a', { name: 'apple', total: 10 });
  await store.documents.put(Items, 'a', { name: 'apple', total: 10 }, { tenantId: 't2' });
  return store;
}

async function ids(store: Store, options: FindOptions): Promise<string[]> {
  return (await store.documents.find(Items, options)).documents.map((d) => d.id);
}

/** Every page of a keyset-paged query, in order. */
async function allPages(store: Store, options: FindOptions): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.documents.find(Items, { ...options, ...(after !== undefined && { after }) });
    pages.push(page.documents.map((d) => d.id));
    if (page.next === undefined) return pages;
    after = page.next;
  }
}

export function documentQueryCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('document queries', () => {
    it('filters by equality on strings, numbers, booleans and nested fields, and by type', async () => {
      const store = await seeded(open);
      expect(await ids(store, { where: { name: 'apple' } })).toEqual(['a']);
      expect(await ids(store, { where: { total: 10 } })).toEqual(['a', 'c']);
      expect(await ids(store, { where: { total: '10' } })).toEqual(['e']);
      expect(await ids(store, { where: { open: false } })).toEqual(['b', 'f']);
      expect(await ids(store, { where: { 'customer.id': 'c1' } })).toEqual(['a', 'c']);
      expect(await ids(store, { where: { 'customer.tier': 'gold', total: 0 } })).toEqual(['g']);
    });

    it('treats null, missing and exists alike in every driver', async () => {
      const store = await seeded(open);
      expect(await ids(store, { where: { name: null } })).toEqual(['f', 'g']);
      expect(await ids(store, { where: { name: { exists: false } } })).toEqual(['f', 'g']);
      expect(await ids(store, { where: { total: { exists: true } } })).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
        'f',
        'g',
      ]);
      expect(await ids(store, { where: { 'customer.tier': { ne: null } } })).toEqual(['a', 'g']);
      expect(await ids(store, { where: { tags: { exists: true } } })).toEqual(['g']);
    });

    it('ne and notIn also match missing fields and other types', async () => {
      const store = await seeded(open);
      expect(await ids(store, { where: { total: { ne: 10 } } })).toEqual(['b', 'd', 'e', 'f', 'g', 'h']);
      expect(await ids(store, { where: { open: { notIn: [true] } } })).toEqual([
        'b',
        'd',
        'e',
        'f',
        'g',
        'h',
      ]);
      expect(await ids(store, { where: { 'customer.id': { in: ['c2', 'c3'] } } })).toEqual(['b', 'd', 'g']);
    });

    it('compares ranges within one JSON type, strings by code point', async () => {
      const store = await seeded(open);
      expect(await ids(store, { where: { total: { gt: 2.5, lte: 100 } } })).toEqual(['a', 'c', 'f']);
      expect(await ids(store, { where: { total: { gte: -3, lt: 2.5 } } })).toEqual(['d', 'g']);
      // Code-point order: 'B' < 'a' < 'é' < U+FFFD < emoji, whatever the database locale.
      expect(await ids(store, { where: { name: { gt: 'a' } } })).toEqual(['a', 'c', 'd', 'e', 'h']);
      expect(await ids(store, { where: { name: { gte: 'éclair', lt: '\uFFFF' } } })).toEqual(['d', 'h']);
      expect(await ids(store, { where: { name: { startsWith: 'ch' } } })).toEqual(['c']);
      expect(await ids(store, { where: { name: { startsWith: '%' } } })).toEqual([]);
    });

    it('sorts with values of another type or none last, in both directions, ties by id', async () => {
      const store = await seeded(open);
      expect(await ids(store, { orderBy: ['total'] })).toEqual(['d', 'g', 'b', 'a', 'c', 'f', 'e', 'h']);
      expect(await ids(store, { orderBy: [{ field: 'total', direction: 'desc' }] })).toEqual([
        'f',
        'a',
        'c',
        'b',
        'g',
        'd',
        'e',
        'h',
      ]);
      expect(await ids(store, { orderBy: ['name'] })).toEqual(['b', 'a', 'c', 'd', 'h', 'e', 'f', 'g']);
      expect(
        await ids(store, {
          orderBy: [
            { field: 'customer.tier', type: 'string' },
            { field: 'total', direction: 'desc' },
          ],
        }),
      ).toEqual(['a', 'g', 'f', 'c', 'b', 'd', 'e', 'h']);
      expect(await ids(store, { orderBy: ['open', 'total'] })).toEqual([
        'b',
        'f',
        'a',
        'c',
        'd',
        'g',
        'e',
        'h',
      ]);
    });

    it('pages by offset and limit', async () => {
      const store = await seeded(open);
      const first = await store.documents.find(Items, { orderBy: ['total'], limit: 3 });
      expect(first.documents.map((d) => d.id)).toEqual(['d', 'g', 'b']);
      expect(first.documents[0]).toEqual({ id: 'd', version: 1, data: ITEMS['d'] });
      expect(await ids(store, { orderBy: ['total'], limit: 3, offset: 6 })).toEqual(['e', 'h']);
      expect(await ids(store, { orderBy: ['total'], offset: 8 })).toEqual([]);
    });

    it('pages by keyset through ties, nulls and both directions, each document exactly once', async () => {
      const store = await seeded(open);
      expect(await allPages(store, { orderBy: ['total'], limit: 3 })).toEqual([
        ['d', 'g', 'b'],
        ['a', 'c', 'f'],
        ['e', 'h'],
      ]);
      expect(await allPages(store, { orderBy: [{ field: 'total', direction: 'desc' }], limit: 2 })).toEqual([
        ['f', 'a'],
        ['c', 'b'],
        ['g', 'd'],
        ['e', 'h'],
      ]);
      expect(await allPages(store, { orderBy: ['open', 'name'], limit: 1 })).toEqual([
        ['b'],
        ['f'],
        ['a'],
        ['c'],
        ['d'],
        ['h'],
        ['e'],
        ['g'],
      ]);
      expect(await allPages(store, { where: { total: { gte: 10 } }, limit: 2 })).toEqual([['a', 'c'], ['f']]);
      const last = await store.documents.find(Items, { orderBy: ['total'], limit: 8 });
      expect(last.next).toBeUndefined();
    });

    it('refuses a cursor from another order, or a cursor with an offset', async () => {
      const store = await seeded(open);
      const { next } = await store.documents.find(Items, { orderBy: ['total'], limit: 2 });
      expect(
        isValidationError(await rejection(store.documents.find(Items, { orderBy: ['name'], after: next! }))),
      ).toBe(true);
      expect(
        isValidationError(
          await rejection(store.documents.find(Items, { orderBy: ['total'], after: next!, offset: 1 })),
        ),
      ).toBe(true);
      expect(isValidationError(await rejection(store.documents.find(Items, { after: 'not-a-cursor' })))).toBe(
        true,
      );
    });

    it('counts matching documents, per tenant', async () => {
      const store = await seeded(open);
      expect(await store.documents.count(Items)).toBe(8);
      expect(await store.documents.count(Items, { where: { total: 10 } })).toBe(2);
      expect(await store.documents.count('items', { tenantId: 't2' })).toBe(1);
      expect(await ids(store, { tenantId: 't2' })).toEqual(['a']);
      expect(await store.documents.count('nothing-here')).toBe(0);
    });

    it('refuses bad queries with a clear error', async () => {
      const store = await seeded(open);
      const bad: FindOptions[] = [
        { where: { 'a..b': 1 } },
        { where: { total: { between: [1, 2] } as never } },
        { where: { total: { in: [1, 'x'] } } },
        { where: { total: { in: [] } } },
        { where: { total: { in: Array.from({ length: 1001 }, (_, i) => i) } } },
        { where: { open: { gt: true } as never } },
        { where: { total: { eq: Number.NaN } } },
        { where: { total: {} } },
        { orderBy: ['undeclared'] },
        { orderBy: [{ field: 'total', direction: 'up' as never }] },
        { limit: 0 },
        { offset: -1 },
      ];
      for (const options of bad) {
        const error = await rejection(store.documents.find(Items, options));
        expect({ options, refused: isValidationError(error) }).toEqual({ options, refused: true });
      }
    });

    it('applies JSON merge patches with optimistic versions', async () => {
      const store = await seeded(open);
      expect(
        await store.documents.patch(Items, 'a', { customer: { tier: null, since: 2020 }, total: 11 }),
      ).toBe(2);
      expect((await store.documents.get(Items, 'a'))?.data).toEqual({
        name: 'apple',
        total: 11,
        open: true,
        customer: { id: 'c1', since: 2020 },
      });
      expect(
        isDocumentConflictError(
          await rejection(store.documents.patch(Items, 'a', { total: 1 }, { expectedVersion: 1 })),
        ),
      ).toBe(true);
      const missing = await rejection(store.documents.patch(Items, 'zz', { total: 1 }));
      expect(isDocumentNotFoundError(missing)).toBe(true);
      expect(missing).toMatchObject({ collection: 'items', id: 'zz', tenantId: 'default' });
      expect(isValidationError(await rejection(store.documents.patch(Items, 'a', [] as never)))).toBe(true);
      // Concurrent patches of different fields both land.
      await Promise.all([
        store.documents.patch(Items, 'b', { x: 1 }),
        store.documents.patch(Items, 'b', { y: 2 }),
        store.documents.patch(Items, 'b', { z: 3 }),
      ]);
      const b = await store.documents.get(Items, 'b');
      expect(b).toMatchObject({ version: 4, data: { name: 'Banana', x: 1, y: 2, z: 3 } });
    });

    it('creates declared indexes idempotently, and queries answer the same with them', async () => {
      const store = await seeded(open);
      const before = await ids(store, { where: { 'customer.id': 'c1' }, orderBy: ['name'] });
      await store.documents.createIndexes(Items);
      await store.documents.createIndexes(Items);
      expect(await ids(store, { where: { 'customer.id': 'c1' }, orderBy: ['name'] })).toEqual(before);
      expect(
        await ids(store, { where: { open: true }, orderBy: [{ field: 'total', direction: 'desc' }] }),
      ).toEqual(['a', 'c']);
      expect(() => defineCollection('x', { fields: {}, indexes: [['total']] })).toThrow(TypeError);
      expect(
        isValidationError(
          await rejection(
            store.documents.createIndexes({
              name: 'x',
              fields: { total: 'date' as never },
              indexes: [['total']],
            }),
          ),
        ),
      ).toBe(true);
    });

    it('sees the transaction’s own writes inside it, and nothing of a rolled-back one', async () => {
      const store = await seeded(open);
      await store.transaction(async (tx) => {
        await tx.documents.put(Items, 'z', { name: 'zucchini', total: 10 });
        expect(await tx.documents.count(Items, { where: { total: 10 } })).toBe(3);
      });
      await rejection(
        store.transaction(async (tx) => {
          await tx.documents.patch(Items, 'z', { total: 1 });
          throw new Error('roll back');
        }),
      );
      expect(await ids(store, { where: { total: 10 } })).toEqual(['a', 'c', 'z']);
    });
  });
}
