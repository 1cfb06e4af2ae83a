/** Many writers on one stream: exactly one winner per version, no gap, no duplicate. */
import { describe, expect, it } from 'vitest';
import { isConcurrencyError } from '@whizbang/core';
import { collect, event, storeHarness, versions, type StoreFactory } from './harness.js';

export function concurrencyCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('concurrent writers', () => {
    it('50 callers with the same expected version: exactly one wins, 49 get ConcurrencyError', async () => {
      const store = await open();
      await store.events.appendToStream('s', [event('Opened')]);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          store.events.appendToStream('s', [event('Raced', { by: i })], { expectedVersion: 1 }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      expect(
        lost.every((r) => isConcurrencyError(r.reason) && (r.reason as { actual: number }).actual === 2),
      ).toBe(true);
      expect(versions((await store.events.readStream('s')).events)).toEqual([1, 2]);
    });

    it("50 callers creating one stream with 'no_stream': exactly one creates it", async () => {
      const store = await open();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () =>
          store.events.appendToStream('s', [event('Created')], { expectedVersion: 'no_stream' }),
        ),
      );
      const created = results.filter((r) => r.status === 'fulfilled' && r.value.createdStream);
      expect(created).toHaveLength(1);
      expect((await store.events.readStream('s')).version).toBe(1);
    });

    it("50 callers with 'any': all 50 land, versions 1..50 with no gap or duplicate", async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.events.appendToStream('s', [event('E', { i })])),
      );
      expect(results.map((r) => r.nextExpectedVersion).toSorted((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect(results.filter((r) => r.createdStream)).toHaveLength(1);
      const slice = await store.events.readStream('s');
      expect(versions(slice.events)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(slice.events.map((e) => (e.data as { i: number }).i)).size).toBe(50);
      expect(await collect(store.events.readAll())).toHaveLength(50);
    });

    it('concurrent writers on different streams all succeed and the global log holds each once', async () => {
      const store = await open();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.events.appendToStream(`s-${i}`, [event('A'), event('B')], { expectedVersion: 'no_stream' }),
        ),
      );
      const all = await collect(store.events.readAll());
      expect(all).toHaveLength(40);
      expect(new Set(all.map((e) => e.id)).size).toBe(40);
    });
  });
}
