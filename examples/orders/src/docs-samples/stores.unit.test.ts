import { describe, expect, it } from 'vitest';
import { memoryStore } from '@whizbang/core';
import { sqliteStore } from '@whizbang/sqlite';
import { placeAndSummarise, reserveUnit, tailOrders } from './stores.js';

describe('docs/stores.md samples', () => {
  for (const [name, open] of [
    ['memory', () => memoryStore()],
    ['sqlite', () => sqliteStore({ path: ':memory:' })],
  ] as const) {
    it(`${name}: commits the event and the summary together, and a tail sees the event`, async () => {
      const store = open();
      await placeAndSummarise(store, '1', 42);
      expect((await store.documents.get('order-summaries', '1'))?.data).toEqual({
        orderId: '1',
        total: 42,
        status: 'placed',
      });
      await expect(placeAndSummarise(store, '1', 42)).rejects.toThrow(/expected 'no_stream'/);
      const seen: string[] = [];
      const controller = new AbortController();
      await tailOrders(store, controller.signal, (type) => (seen.push(type), controller.abort()));
      expect(seen).toEqual(['OrderPlaced']);
      await store.close();
    });
  }

  it.each([
    ['memory', () => memoryStore()],
    ['sqlite', () => sqliteStore({ path: ':memory:' })],
  ] as const)(
    '%s: 20 concurrent reservations of 5 units: exactly 5 take one, none conflicts',
    async (_, open) => {
      const store = open();
      await store.events.appendToStream(
        'product-p',
        Array.from({ length: 5 }, () => ({ type: 'Stocked', data: {} })),
      );
      const taken = await Promise.all(
        Array.from({ length: 20 }, (_n, i) => reserveUnit(store, 'p', `o-${i}`)),
      );
      expect(taken.filter(Boolean)).toHaveLength(5);
      expect((await store.events.readStream('product-p')).version).toBe(10);
      await store.close();
    },
  );
});
