/** Expected-version rules, enforced on append, with the real version reported on conflict. */
import { describe, expect, it } from 'vitest';
import { isConcurrencyError, type ConcurrencyError, type ExpectedVersion } from '@whizbang/core';
import { event, events, rejection, storeHarness, type StoreFactory } from './harness.js';

export function expectedVersionCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('expected version', () => {
    it("'no_stream' creates a stream and reports it created", async () => {
      const store = await open();
      const result = await store.events.appendToStream('s', events(2), { expectedVersion: 'no_stream' });
      expect(result).toMatchObject({ stream: 's', nextExpectedVersion: 2, createdStream: true });
    });

    it("'no_stream' is refused on an existing stream, with the real version", async () => {
      const store = await open();
      await store.events.appendToStream('s', events(3));
      const error = (await rejection(
        store.events.appendToStream('s', events(1), { expectedVersion: 'no_stream' }),
      )) as ConcurrencyError;
      expect(isConcurrencyError(error)).toBe(true);
      expect(error).toMatchObject({ stream: 's', expected: 'no_stream', actual: 3 });
      expect((await store.events.readStream('s')).version).toBe(3);
    });

    it("'stream_exists' is refused on a missing stream, and creates nothing", async () => {
      const store = await open();
      const error = (await rejection(
        store.events.appendToStream('s', events(1), { expectedVersion: 'stream_exists' }),
      )) as ConcurrencyError;
      expect(error).toMatchObject({ code: 'WHIZBANG_CONCURRENCY', expected: 'stream_exists', actual: 0 });
      expect((await store.events.getStreamInfo('s')).exists).toBe(false);
    });

    it("'stream_exists' appends to an existing stream", async () => {
      const store = await open();
      await store.events.appendToStream('s', events(1));
      const result = await store.events.appendToStream('s', events(1), { expectedVersion: 'stream_exists' });
      expect(result).toMatchObject({ nextExpectedVersion: 2, createdStream: false });
    });

    it("'any' (and no option) appends whatever the version", async () => {
      const store = await open();
      await store.events.appendToStream('s', events(1), { expectedVersion: 'any' });
      const result = await store.events.appendToStream('s', events(1));
      expect(result.nextExpectedVersion).toBe(2);
    });

    it('an exact version appends when it matches', async () => {
      const store = await open();
      const first = await store.events.appendToStream('s', events(2));
      const second = await store.events.appendToStream('s', events(3), {
        expectedVersion: first.nextExpectedVersion,
      });
      expect(second).toMatchObject({ nextExpectedVersion: 5, createdStream: false });
    });

    it('expected version 0 means the stream has no events: it creates the stream', async () => {
      const store = await open();
      const result = await store.events.appendToStream('s', events(1), { expectedVersion: 0 });
      expect(result).toMatchObject({ nextExpectedVersion: 1, createdStream: true });
      const error = await rejection(store.events.appendToStream('s', events(1), { expectedVersion: 0 }));
      expect(error).toMatchObject({ expected: 0, actual: 1 });
    });

    it.each<[string, ExpectedVersion]>([
      ['stale', 1],
      ['ahead', 3],
    ])('a %s exact version is refused with the actual version, writing nothing', async (_name, expected) => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      const error = (await rejection(
        store.events.appendToStream('s', events(1), { expectedVersion: expected }),
      )) as ConcurrencyError;
      expect(error).toMatchObject({ stream: 's', expected, actual: 2 });
      expect((await store.events.readStream('s')).events).toHaveLength(2);
    });

    it('a refused append changes nothing, and the next correct one continues without a gap', async () => {
      const store = await open();
      await store.events.appendToStream('s', [event('A')]);
      await rejection(store.events.appendToStream('s', [event('X')], { expectedVersion: 5 }));
      await store.events.appendToStream('s', [event('B')], { expectedVersion: 1 });
      const slice = await store.events.readStream('s');
      expect(slice.events.map((e) => [e.type, e.streamVersion])).toEqual([
        ['A', 1],
        ['B', 2],
      ]);
    });
  });
}
