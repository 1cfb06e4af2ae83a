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
        store.documents.getMany('d', ['']),
        store.documents.deleteMany('d', [42 as unknown as string]),
      ]) {
        expect(isValidationError(await rejection(attempt))).toBe(true);
      }
      expect(await store.documents.list('d')).toEqual([]);
    });
  });
}
