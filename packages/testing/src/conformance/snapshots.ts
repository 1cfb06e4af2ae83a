/** Snapshots: one per stream and tenant, replaced on save. */
import { describe, expect, it } from 'vitest';
import { isValidationError } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

export function snapshotCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('snapshots', () => {
    it('saves, replaces, loads and deletes, per tenant', async () => {
      const store = await open();
      expect(await store.snapshots.load('s')).toBeUndefined();
      await store.snapshots.save({ stream: 's', version: 10, schemaVersion: 1, state: { total: 10 } });
      await store.snapshots.save({ stream: 's', version: 20, schemaVersion: 2, state: { total: 20 } });
      await store.snapshots.save({
        stream: 's',
        version: 5,
        schemaVersion: 1,
        state: { other: true },
        tenantId: 'acme',
      });
      expect(await store.snapshots.load('s')).toMatchObject({
        stream: 's',
        tenantId: 'default',
        version: 20,
        schemaVersion: 2,
        state: { total: 20 },
      });
      expect((await store.snapshots.load('s', { tenantId: 'acme' }))?.state).toEqual({ other: true });
      await store.snapshots.delete('s');
      expect(await store.snapshots.load('s')).toBeUndefined();
      expect(await store.snapshots.load('s', { tenantId: 'acme' })).toBeDefined();
    });

    it('refuses a snapshot without a valid version', async () => {
      const store = await open();
      expect(
        isValidationError(
          await rejection(store.snapshots.save({ stream: 's', version: 0, schemaVersion: 1, state: {} })),
        ),
      ).toBe(true);
      expect(
        isValidationError(
          await rejection(store.snapshots.save({ stream: 's', version: 1, schemaVersion: 1.5, state: {} })),
        ),
      ).toBe(true);
    });
  });
}
