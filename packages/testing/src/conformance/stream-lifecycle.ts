/** Stream metadata, tombstones (soft delete) and archiving. */
import { describe, expect, it } from 'vitest';
import {
  isConcurrencyError,
  isStreamArchivedError,
  isStreamDeletedError,
  isStreamNotFoundError,
} from '@whizbang/core';
import { events, rejection, storeHarness, type StoreFactory } from './harness.js';

export function streamLifecycleCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('stream metadata, tombstones and archive', () => {
    it('reports stream info, and round-trips user metadata', async () => {
      const store = await open();
      expect(await store.events.getStreamInfo('s')).toMatchObject({
        exists: false,
        version: 0,
        deleted: false,
        archived: false,
        metadata: {},
      });
      await store.events.appendToStream('s', events(2));
      await store.events.setStreamMetadata('s', { owner: 'team-a', retention: { days: 30 } });
      expect(await store.events.getStreamInfo('s')).toEqual({
        stream: 's',
        tenantId: 'default',
        exists: true,
        version: 2,
        deleted: false,
        archived: false,
        metadata: { owner: 'team-a', retention: { days: 30 } },
      });
    });

    it('refuses metadata on a missing stream with StreamNotFoundError', async () => {
      const store = await open();
      expect(isStreamNotFoundError(await rejection(store.events.setStreamMetadata('nope', { a: 1 })))).toBe(
        true,
      );
    });

    it('checks the expected version of a metadata change', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      expect(
        isConcurrencyError(
          await rejection(store.events.setStreamMetadata('s', { a: 1 }, { expectedVersion: 1 })),
        ),
      ).toBe(true);
      await store.events.setStreamMetadata('s', { a: 1 }, { expectedVersion: 2 });
      expect((await store.events.getStreamInfo('s')).metadata).toEqual({ a: 1 });
    });

    it('a deleted stream can be neither read nor appended to, and says so', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      await store.events.deleteStream('s');
      expect(isStreamDeletedError(await rejection(store.events.readStream('s')))).toBe(true);
      const error = await rejection(store.events.appendToStream('s', events(1)));
      expect(isStreamDeletedError(error)).toBe(true);
      expect(error).toMatchObject({ stream: 's' });
      expect(await store.events.getStreamInfo('s')).toMatchObject({ deleted: true, version: 2 });
      await store.events.deleteStream('s'); // idempotent
    });

    it('deleting a missing stream is StreamNotFoundError; a stale expected version is a conflict', async () => {
      const store = await open();
      expect(isStreamNotFoundError(await rejection(store.events.deleteStream('nope')))).toBe(true);
      await store.events.appendToStream('s', events(2));
      expect(
        isConcurrencyError(await rejection(store.events.deleteStream('s', { expectedVersion: 1 }))),
      ).toBe(true);
      expect((await store.events.getStreamInfo('s')).deleted).toBe(false);
    });

    it('an archived stream stays readable but refuses appends', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      await store.events.archiveStream('s', { expectedVersion: 2 });
      expect((await store.events.readStream('s')).events).toHaveLength(2);
      expect(isStreamArchivedError(await rejection(store.events.appendToStream('s', events(1))))).toBe(true);
      expect(await store.events.getStreamInfo('s')).toMatchObject({
        archived: true,
        deleted: false,
        version: 2,
      });
    });

    it('archiving a deleted stream is refused', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(1));
      await store.events.deleteStream('s');
      expect(isStreamDeletedError(await rejection(store.events.archiveStream('s')))).toBe(true);
    });
  });
}
