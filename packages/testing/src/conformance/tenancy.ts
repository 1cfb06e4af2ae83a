/** Tenants: the same stream name in two tenants is two streams; reads never cross. */
import { describe, expect, it } from 'vitest';
import { collect, event, events, storeHarness, type StoreFactory } from './harness.js';

export function tenancyCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('tenancy', () => {
    it('keeps one stream name per tenant apart: versions, reads, info and documents', async () => {
      const store = await open();
      await store.events.appendToStream('order-1', events(2), {
        tenantId: 'acme',
        expectedVersion: 'no_stream',
      });
      await store.events.appendToStream('order-1', [event('Other')], {
        tenantId: 'globex',
        expectedVersion: 'no_stream',
      });
      expect((await store.events.readStream('order-1', { tenantId: 'acme' })).version).toBe(2);
      expect(
        (await store.events.readStream('order-1', { tenantId: 'globex' })).events.map((e) => e.type),
      ).toEqual(['Other']);
      expect((await store.events.getStreamInfo('order-1')).exists).toBe(false);
      const recorded = (await store.events.readStream('order-1', { tenantId: 'globex' })).events[0]!;
      expect([recorded.tenantId, recorded.metadata.tenantId]).toEqual(['globex', 'globex']);
      await store.documents.put('orders', '1', { t: 'acme' }, { tenantId: 'acme' });
      expect(await store.documents.get('orders', '1', { tenantId: 'globex' })).toBeUndefined();
      expect(await store.documents.list('orders', { tenantId: 'globex' })).toEqual([]);
    });

    it('readAll sees every tenant unless filtered', async () => {
      const store = await open();
      await store.events.appendToStream('s', [event('A')], { tenantId: 'acme' });
      await store.events.appendToStream('s', [event('B')], { tenantId: 'globex' });
      expect((await collect(store.events.readAll())).map((e) => e.tenantId)).toEqual(['acme', 'globex']);
    });
  });
}
