/** Checkpoints move only by compare-and-set, so two readers can never both advance one. */
import { describe, expect, it } from 'vitest';
import { isCheckpointConflictError, type LogPosition } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

const at = (n: number): LogPosition => ({ commit: BigInt(n), position: BigInt(n) });

export function checkpointCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('checkpoints', () => {
    it('creates a checkpoint from nothing and moves it forward by compare-and-set', async () => {
      const store = await open();
      expect(await store.checkpoints.get('p')).toBeUndefined();
      await store.checkpoints.compareAndSet('p', undefined, at(5));
      expect((await store.checkpoints.get('p'))?.position).toEqual(at(5));
      await store.checkpoints.compareAndSet('p', at(5), at(9));
      const stored = await store.checkpoints.get('p');
      expect(stored).toMatchObject({ name: 'p', position: at(9) });
      expect(stored!.updatedAt).toBeInstanceOf(Date);
    });

    it('refuses a stale expectation, reporting the stored position, and changes nothing', async () => {
      const store = await open();
      await store.checkpoints.compareAndSet('p', undefined, at(5));
      const error = await rejection(store.checkpoints.compareAndSet('p', at(4), at(6)));
      expect(isCheckpointConflictError(error)).toBe(true);
      expect(error).toMatchObject({ checkpoint: 'p', actual: at(5) });
      expect(
        isCheckpointConflictError(await rejection(store.checkpoints.compareAndSet('p', undefined, at(6)))),
      ).toBe(true);
      expect((await store.checkpoints.get('p'))?.position).toEqual(at(5));
    });

    it('lets exactly one of many racing readers advance', async () => {
      const store = await open();
      await store.checkpoints.compareAndSet('p', undefined, at(1));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.checkpoints.compareAndSet('p', at(1), at(i + 2))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('compares commit and position as a pair', async () => {
      const store = await open();
      await store.checkpoints.compareAndSet('p', undefined, { commit: 7n, position: 3n });
      expect(
        isCheckpointConflictError(
          await rejection(store.checkpoints.compareAndSet('p', { commit: 3n, position: 3n }, at(8))),
        ),
      ).toBe(true);
      await store.checkpoints.compareAndSet('p', { commit: 7n, position: 3n }, { commit: 9n, position: 4n });
      await store.checkpoints.delete('p');
      expect(await store.checkpoints.get('p')).toBeUndefined();
    });
  });
}
