/** Atomic multi-stream appends: all streams are written, or none is. */
import { describe, expect, it } from 'vitest';
import { isConcurrencyError, isValidationError } from '@whizbang/core';
import { collect, event, events, rejection, storeHarness, type StoreFactory } from './harness.js';

export function multiStreamCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('appendToStreams', () => {
    it('writes every stream, each checked against its own expected version', async () => {
      const store = await open();
      await store.events.appendToStream('b', events(2));
      const results = await store.events.appendToStreams([
        { stream: 'a', events: [event('A')], expectedVersion: 'no_stream' },
        { stream: 'b', events: [event('B')], expectedVersion: 2 },
      ]);
      expect(results.map((r) => [r.stream, r.nextExpectedVersion, r.createdStream])).toEqual([
        ['a', 1, true],
        ['b', 3, false],
      ]);
    });

    it('writes nothing at all when one stream conflicts', async () => {
      const store = await open();
      await store.events.appendToStream('b', events(2));
      const error = await rejection(
        store.events.appendToStreams([
          { stream: 'a', events: [event('A')], expectedVersion: 'no_stream' },
          { stream: 'b', events: [event('B')], expectedVersion: 1 },
          { stream: 'c', events: [event('C')] },
        ]),
      );
      expect(isConcurrencyError(error)).toBe(true);
      expect(error).toMatchObject({ stream: 'b', expected: 1, actual: 2 });
      expect((await store.events.getStreamInfo('a')).exists).toBe(false);
      expect((await store.events.getStreamInfo('c')).exists).toBe(false);
      expect(await collect(store.events.readAll())).toHaveLength(2);
    });

    it('refuses the same stream twice, and an empty list', async () => {
      const store = await open();
      expect(
        isValidationError(
          await rejection(
            store.events.appendToStreams([
              { stream: 'a', events: [event('A')] },
              { stream: 'a', events: [event('B')] },
            ]),
          ),
        ),
      ).toBe(true);
      expect(isValidationError(await rejection(store.events.appendToStreams([])))).toBe(true);
      expect(await collect(store.events.readAll())).toEqual([]);
    });

    it('orders the events of one multi-stream append contiguously in the global log', async () => {
      const store = await open();
      await store.events.appendToStreams([
        { stream: 'a', events: events(2) },
        { stream: 'b', events: events(2) },
      ]);
      expect((await collect(store.events.readAll())).map((e) => `${e.stream}:${e.streamVersion}`)).toEqual([
        'a:1',
        'a:2',
        'b:1',
        'b:2',
      ]);
    });
  });
}
