/** `store.transaction`: all of it commits together, or none of it; nobody sees half. */
import { describe, expect, it } from 'vitest';
import { isConcurrencyError, LOG_START } from '@whizbang/core';
import { collect, event, events, rejection, storeHarness, type StoreFactory } from './harness.js';

export function transactionCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('transactions', () => {
    it('commits events, documents, checkpoints and snapshots together', async () => {
      const store = await open();
      const result = await store.transaction(async (tx) => {
        const appended = await tx.events.appendToStream('s', events(2));
        await tx.documents.put('views', 's', { count: 2 });
        await tx.checkpoints.compareAndSet('projection', undefined, appended.lastPosition);
        await tx.snapshots.save({ stream: 's', version: 2, schemaVersion: 1, state: { count: 2 } });
        return appended.nextExpectedVersion;
      });
      expect(result).toBe(2);
      expect((await store.events.readStream('s')).version).toBe(2);
      expect((await store.documents.get('views', 's'))?.data).toEqual({ count: 2 });
      expect(await store.checkpoints.get('projection')).toBeDefined();
      expect((await store.snapshots.load('s'))?.version).toBe(2);
    });

    it('rolls everything back when the work throws', async () => {
      const store = await open();
      await rejection(
        store.transaction(async (tx) => {
          await tx.events.appendToStream('s', events(2));
          await tx.documents.put('views', 's', { count: 2 });
          await tx.checkpoints.compareAndSet('projection', undefined, LOG_START);
          throw new Error('changed my mind');
        }),
      );
      expect((await store.events.getStreamInfo('s')).exists).toBe(false);
      expect(await store.documents.get('views', 's')).toBeUndefined();
      expect(await store.checkpoints.get('projection')).toBeUndefined();
      expect(await collect(store.events.readAll())).toEqual([]);
    });

    it('sees its own writes, while others do not until it commits', async () => {
      const store = await open();
      let release!: () => void;
      const paused = new Promise<void>((resolve) => (release = resolve));
      let wrote!: (version: number) => void;
      const written = new Promise<number>((resolve) => (wrote = resolve));
      const running = store.transaction(async (tx) => {
        await tx.events.appendToStream('s', events(1));
        wrote((await tx.events.readStream('s')).version);
        await paused;
      });
      expect(await written).toBe(1);
      expect((await store.events.getStreamInfo('s')).exists).toBe(false);
      expect(await collect(store.events.readAll())).toEqual([]);
      release();
      await running;
      expect((await store.events.readStream('s')).version).toBe(1);
    });

    it('a conflict inside a transaction aborts the whole transaction', async () => {
      const store = await open();
      await store.events.appendToStream('b', [event('B')]);
      const error = await rejection(
        store.transaction(async (tx) => {
          await tx.events.appendToStream('a', [event('A')]);
          await tx.events.appendToStream('b', [event('B2')], { expectedVersion: 'no_stream' });
        }),
      );
      expect(isConcurrencyError(error)).toBe(true);
      expect((await store.events.getStreamInfo('a')).exists).toBe(false);
    });
  });
}
