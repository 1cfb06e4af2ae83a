/** The document store port: versions, optimistic writes, keyset paging, tenants. */
import { describe, expect, it } from 'vitest';
import { isDocumentConflictError, isValidationError } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

export function documentCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('documents', () => {
    it('puts, gets and replaces a document, counting versions from 1', async () => {
      const store = await open();
      expect(await store.documents.get('orders', '1')).toBeUndefined();
      expect(await store.documents.put('orders', '1', { status: 'placed' })).toBe(1);
      expect(await store.documents.put('orders', '1', { status: 'shipped' })).toBe(2);
      expect(await store.documents.get('orders', '1')).toEqual({
        id: '1',
        version: 2,
        data: { status: 'shipped' },
      });
    });

    it('honours expected versions on put and delete', async () => {
      const store = await open();
      await store.documents.put('orders', '1', { a: 1 }, { expectedVersion: 'none' });
      const conflict = await rejection(
        store.documents.put('orders', '1', { a: 2 }, { expectedVersion: 'none' }),
      );
      expect(isDocumentConflictError(conflict)).toBe(true);
      expect(conflict).toMatchObject({ collection: 'orders', id: '1', expected: 'none', actual: 1 });
      expect(
        isDocumentConflictError(
          await rejection(store.documents.put('orders', '1', { a: 2 }, { expectedVersion: 2 })),
        ),
      ).toBe(true);
      expect(await store.documents.put('orders', '1', { a: 2 }, { expectedVersion: 1 })).toBe(2);
      expect(
        isDocumentConflictError(
          await rejection(store.documents.delete('orders', '1', { expectedVersion: 1 })),
        ),
      ).toBe(true);
      expect(await store.documents.delete('orders', '1', { expectedVersion: 2 })).toBe(true);
      expect(await store.documents.delete('orders', '1')).toBe(false);
      expect(await store.documents.get('orders', '1')).toBeUndefined();
    });

    it('lists in id order with keyset paging', async () => {
      const store = await open();
      for (const id of ['c', 'a', 'e', 'b', 'd']) await store.documents.put('letters', id, { id });
      await store.documents.put('other', 'a', {});
      expect((await store.documents.list('letters', { limit: 2 })).map((d) => d.id)).toEqual(['a', 'b']);
      expect((await store.documents.list('letters', { after: 'b', limit: 2 })).map((d) => d.id)).toEqual([
        'c',
        'd',
      ]);
      expect((await store.documents.list('letters', { after: 'd' })).map((d) => d.id)).toEqual(['e']);
      expect(await store.documents.list('letters', { after: 'e' })).toEqual([]);
    });

    it('stores copies and refuses what is not JSON', async () => {
      const store = await open();
      const data = { list: [1] };
      await store.documents.put('d', '1', data);
      data.list.push(2);
      expect((await store.documents.get('d', '1'))?.data).toEqual({ list: [1] });
      expect(isValidationError(await rejection(store.documents.put('d', '2', { n: 1n })))).toBe(true);
      expect(isValidationError(await rejection(store.documents.put('', '2', {})))).toBe(true);
      expect(await store.documents.get('d', '2')).toBeUndefined();
    });

    it('gets, puts and deletes many documents at once, per tenant', async () => {
      const store = await open();
      await store.documents.put('counts', 'b', { n: 1 });
      await store.documents.putMany('counts', [
        { id: 'a', data: { n: 10 } },
        { id: 'b', data: { n: 20 } },
      ]);
      await store.documents.putMany('counts', [{ id: 'a', data: { n: 99 } }], { tenantId: 't2' });
      await store.documents.putMany('counts', []);
      const many = await store.documents.getMany('counts', ['b', 'missing', 'a']);
      expect(many).toEqual([
        { id: 'b', version: 2, data: { n: 20 } },
        { id: 'a', version: 1, data: { n: 10 } },
      ]);
      expect(await store.documents.getMany('counts', ['a'], { tenantId: 't2' })).toEqual([
        { id: 'a', version: 1, data: { n: 99 } },
      ]);
      expect(await store.documents.getMany('counts', [])).toEqual([]);
      expect(await store.documents.deleteMany('counts', ['a', 'missing'])).toBe(1);
      expect(await store.documents.deleteMany('counts', [])).toBe(0);
      expect((await store.documents.list('counts')).map((d) => d.id)).toEqual(['b']);
      expect(await store.documents.get('counts', 'a', { tenantId: 't2' })).toMatchObject({ data: { n: 99 } });
    });

    it('checks the expected versions of a bulk put, all or nothing', async () => {
      const store = await open();
      await store.documents.putMany('counts', [
        { id: 'a', data: { n: 1 } },
        { id: 'b', data: { n: 1 } },
      ]);
      await store.documents.putMany('counts', [
        { id: 'a', data: { n: 2 }, expectedVersion: 1 },
        { id: 'c', data: { n: 1 }, expectedVersion: 'none' },
        { id: 'd', data: { n: 1 } },
      ]);
      const versions = async () =>
        (await store.documents.getMany('counts', ['a', 'b', 'c', 'd'])).map((d) => [d.id, d.version]);
      expect(await versions()).toEqual([
        ['a', 2],
        ['b', 1],
        ['c', 1],
        ['d', 1],
      ]);
      // Each refused call names the first document off its version and writes none of the others.
      for (const [documents, conflict] of [
        [
          [
            { id: 'a', data: { n: 9 }, expectedVersion: 2 },
            { id: 'b', data: { n: 9 }, expectedVersion: 7 },
          ],
          { id: 'b', expected: 7, actual: 1 },
        ],
        [
          [
            { id: 'e', data: { n: 9 }, expectedVersion: 'none' },
            { id: 'c', data: { n: 9 }, expectedVersion: 'none' },
            { id: 'd', data: { n: 9 } },
          ],
          { id: 'c', expected: 'none', actual: 1 },
        ],
        [[{ id: 'missing', data: {}, expectedVersion: 1 }], { id: 'missing', expected: 1, actual: 0 }],
      ] as const) {
        const error = await rejection(store.documents.putMany('counts', documents, { tenantId: 'default' }));
        expect(isDocumentConflictError(error)).toBe(true);
        expect(error).toMatchObject({ collection: 'counts', tenantId: 'default', ...conflict });
      }
      expect(await versions()).toEqual([
        ['a', 2],
        ['b', 1],
        ['c', 1],
        ['d', 1],
      ]);
      expect(await store.documents.getMany('counts', ['e', 'missing'])).toEqual([]);
      expect((await store.documents.get('counts', 'a'))?.data).toEqual({ n: 2 });
    });

    it('undoes a refused bulk write inside a transaction, which goes on', async () => {
      const store = await open();
      await store.documents.put('counts', 'a', { n: 1 });
      await store.transaction(async (tx) => {
        await tx.documents.put('counts', 'x', { n: 1 });
        const error = await rejection(
          tx.documents.putMany('counts', [
            { id: 'b', data: { n: 1 }, expectedVersion: 'none' },
            { id: 'a', data: { n: 2 }, expectedVersion: 2 },
          ]),
        );
        expect(isDocumentConflictError(error)).toBe(true);
        const deletion = await rejection(
          tx.documents.deleteMany('counts', ['x', { id: 'a', expectedVersion: 3 }]),
        );
        expect(deletion).toMatchObject({ id: 'a', expected: 3, actual: 1 });
        await tx.documents.put('counts', 'y', { n: 1 });
      });
      expect((await store.documents.list('counts')).map((d) => [d.id, d.version])).toEqual([
        ['a', 1],
        ['x', 1],
        ['y', 1],
      ]);
    });

    it('checks the expected versions of a bulk delete, all or nothing', async () => {
      const store = await open();
      await store.documents.putMany('counts', [
        { id: 'a', data: {} },
        { id: 'b', data: {} },
        { id: 'c', data: {} },
      ]);
      await store.documents.put('counts', 'b', {});
      const conflict = await rejection(
        store.documents.deleteMany('counts', ['a', { id: 'b', expectedVersion: 1 }]),
      );
      expect(isDocumentConflictError(conflict)).toBe(true);
      expect(conflict).toMatchObject({ collection: 'counts', id: 'b', expected: 1, actual: 2 });
      expect(
        await rejection(store.documents.deleteMany('counts', [{ id: 'gone', expectedVersion: 1 }])),
      ).toMatchObject({ id: 'gone', expected: 1, actual: 0 });
      expect((await store.documents.list('counts')).map((d) => d.id)).toEqual(['a', 'b', 'c']);
      expect(
        await store.documents.deleteMany('counts', ['a', 'missing', 'a', { id: 'b', expectedVersion: 2 }]),
      ).toBe(2);
      expect((await store.documents.list('counts')).map((d) => d.id)).toEqual(['c']);
    });

    it('deletes a whole collection in every tenant, and nothing else', async () => {
      const store = await open();
      await store.documents.putMany('old', [
        { id: 'a', data: {} },
        { id: 'b', data: {} },
      ]);
      await store.documents.put('old', 'a', {}, { tenantId: 't2' });
      await store.documents.put('kept', 'a', {});
      await store.transaction(async (tx) => {
        await tx.documents.put('old', 'c', {});
        expect(await tx.documents.deleteCollection('old')).toBe(4);
      });
      expect(await store.documents.list('old')).toEqual([]);
      expect(await store.documents.list('old', { tenantId: 't2' })).toEqual([]);
      expect((await store.documents.list('kept')).map((d) => d.id)).toEqual(['a']);
      expect(await store.documents.deleteCollection('old')).toBe(0);
    });

    it('refuses bad bulk input and writes nothing', async () => {
      const store = await open();
      for (const attempt of [
        store.documents.putMany('d', [
          { id: 'a', data: {} },
          { id: 'a', data: {} },
        ]),
        store.documents.putMany('d', [
          { id: 'a', data: {} },
          { id: 'b', data: { n: 1n } },
        ]),
        store.documents.putMany('d', [{ id: '', data: {} }]),
        store.documents.putMany('d', [{ id: 'a', data: {}, expectedVersion: 0 }]),
        store.documents.getMany('d', ['']),
        store.documents.deleteMany('d', [42 as unknown as string]),
        store.documents.deleteMany('d', [{ id: 'a', expectedVersion: 'none' as unknown as number }]),
        store.documents.deleteMany('d', [{ id: 'a', expectedVersion: 1 }, 'a']),
      ]) {
        expect(isValidationError(await rejection(attempt))).toBe(true);
      }
      expect(await store.documents.list('d')).toEqual([]);
    });
  });
}
