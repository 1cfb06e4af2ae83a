/** Many writers on one stream: exactly one winner per version, no gap, no duplicate. */
import { describe, expect, it } from 'vitest';
import { isConcurrencyError, isValidationError } from '@whizbang/core';
import { collect, event, rejection, storeHarness, versions, type StoreFactory } from './harness.js';

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

  describe('lockStreams', () => {
    it('lets units of work that lock before they read append without a conflict, whatever order they name their streams', async () => {
      const store = await open();
      await store.events.appendToStreams([
        { stream: 'hot', events: [event('Stocked')] },
        { stream: 'warm', events: [event('Stocked')] },
      ]);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.transaction(async (tx) => {
            const streams = [`order-${i}`, 'hot', 'warm'];
            await tx.events.lockStreams(i % 2 === 0 ? streams : streams.toReversed());
            const [hot, warm] = [await tx.events.readStream('hot'), await tx.events.readStream('warm')];
            await new Promise((resolve) => setTimeout(resolve, 2)); // the others try meanwhile
            return tx.events.appendToStreams([
              { stream: 'hot', events: [event('Reserved', { by: i })], expectedVersion: hot.version },
              { stream: 'warm', events: [event('Reserved', { by: i })], expectedVersion: warm.version },
              { stream: `order-${i}`, events: [event('Placed')], expectedVersion: 'no_stream' },
            ]);
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(versions((await store.events.readStream('hot')).events)).toEqual(
        Array.from({ length: 11 }, (_, i) => i + 1),
      );
      expect((await store.events.readStream('warm')).version).toBe(11);
    });

    it('makes a plain append to a locked stream wait for the transaction that holds it', async () => {
      const store = await open();
      await store.events.appendToStream('hot', [event('Stocked')]);
      let holding!: () => void;
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const locker = store.transaction(async (tx) => {
        await tx.events.lockStreams(['hot']);
        const { version } = await tx.events.readStream('hot');
        holding();
        await finished;
        await tx.events.appendToStream('hot', [event('Reserved')], { expectedVersion: version });
      });
      await held;
      // Sent while the stream is held, expecting what the holder read: it must wait, then lose.
      const plain = store.events.appendToStream('hot', [event('Raced')], { expectedVersion: 1 });
      plain.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      finish();
      await locker;
      const error = await rejection(plain);
      expect(isConcurrencyError(error)).toBe(true);
      expect(error).toMatchObject({ stream: 'hot', expected: 1, actual: 2 });
    });

    it('refuses bad stream names and a list that is not one, locking nothing', async () => {
      const store = await open();
      for (const bad of [[''], ['ok', 'x'.repeat(300)], 'hot' as unknown as string[]])
        expect(isValidationError(await rejection(store.events.lockStreams(bad)))).toBe(true);
      await store.events.lockStreams([]); // nothing to lock
      await store.events.appendToStream('hot', [event('Stocked')]);
    });
  });
}
