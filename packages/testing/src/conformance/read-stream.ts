/** `readStream`: exact bounds, both directions, the recorded envelope, and missing streams. */
import { describe, expect, it } from 'vitest';
import { compareLogPositions } from '@whizbang/core';
import { events, storeHarness, versions, type StoreFactory } from './harness.js';

export function readStreamCases(factory: StoreFactory): void {
  const open = storeHarness(factory);
  const withTen = async () => {
    const store = await open();
    await store.events.appendToStream('s', events(10));
    return store;
  };

  describe('readStream', () => {
    it('reads a missing stream as version 0 with no events', async () => {
      const store = await open();
      expect(await store.events.readStream('nothing-here')).toEqual({
        stream: 'nothing-here',
        version: 0,
        exists: false,
        events: [],
      });
    });

    it('reads every event forward by default', async () => {
      const store = await withTen();
      const slice = await store.events.readStream('s');
      expect(slice).toMatchObject({ stream: 's', version: 10, exists: true });
      expect(versions(slice.events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(slice.events.map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, i) => ({ n: i + 1 })));
    });

    it('honours from, to and maxCount exactly (inclusive bounds, no off-by-one)', async () => {
      const store = await withTen();
      expect(versions((await store.events.readStream('s', { from: 3 })).events)).toEqual([
        3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      expect(versions((await store.events.readStream('s', { to: 3 })).events)).toEqual([1, 2, 3]);
      expect(versions((await store.events.readStream('s', { from: 4, to: 6 })).events)).toEqual([4, 5, 6]);
      expect(versions((await store.events.readStream('s', { from: 4, maxCount: 2 })).events)).toEqual([4, 5]);
      expect(versions((await store.events.readStream('s', { from: 10 })).events)).toEqual([10]);
      expect(versions((await store.events.readStream('s', { from: 11 })).events)).toEqual([]);
      expect((await store.events.readStream('s', { from: 11 })).version).toBe(10);
    });

    it('reads backward from the last event, or from `from` downward', async () => {
      const store = await withTen();
      expect(
        versions((await store.events.readStream('s', { direction: 'backward', maxCount: 3 })).events),
      ).toEqual([10, 9, 8]);
      expect(
        versions((await store.events.readStream('s', { direction: 'backward', from: 4 })).events),
      ).toEqual([4, 3, 2, 1]);
      expect(
        versions((await store.events.readStream('s', { direction: 'backward', from: 6, to: 5 })).events),
      ).toEqual([6, 5]);
      expect(
        versions(
          (await store.events.readStream('s', { direction: 'backward', from: 50, maxCount: 1 })).events,
        ),
      ).toEqual([10]);
    });

    it('returns full envelopes: id, type, data, stream, tenant, version, position, time, metadata', async () => {
      const store = await open();
      const before = Date.now() - 1000;
      await store.events.appendToStream(
        's',
        [{ type: 'Opened', data: { a: 1 }, id: 'evt-1', headers: { source: 'test' } }],
        {
          metadata: {
            correlationId: 'corr-1',
            causationId: 'cause-1',
            principal: { id: 'u1', roles: ['admin'] },
            traceparent: 'tp',
          },
        },
      );
      const [recorded] = (await store.events.readStream('s')).events;
      expect(recorded).toMatchObject({
        id: 'evt-1',
        type: 'Opened',
        data: { a: 1 },
        stream: 's',
        tenantId: 'default',
        streamVersion: 1,
        metadata: {
          correlationId: 'corr-1',
          causationId: 'cause-1',
          tenantId: 'default',
          principal: { id: 'u1', roles: ['admin'] },
          traceparent: 'tp',
          schemaVersion: 1,
          headers: { source: 'test' },
        },
      });
      expect(recorded!.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(typeof recorded!.logPosition.position).toBe('bigint');
      expect(recorded!.metadata.timestamp).toBeGreaterThanOrEqual(before);
    });

    it('gives each event a UUID id and its own id as correlation id when none is given', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      const [a, b] = (await store.events.readStream('s')).events;
      expect(a!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(a!.id).not.toBe(b!.id);
      expect(a!.metadata.correlationId).toBe(a!.id);
    });

    it('keeps positions increasing along the stream', async () => {
      const store = await withTen();
      const recorded = (await store.events.readStream('s')).events;
      for (let i = 1; i < recorded.length; i++)
        expect(compareLogPositions(recorded[i - 1]!.logPosition, recorded[i]!.logPosition)).toBeLessThan(0);
    });

    it('returns copies: changing what was appended or read changes nothing stored', async () => {
      const store = await open();
      const data = { list: [1, 2] };
      await store.events.appendToStream('s', [{ type: 'E', data }]);
      data.list.push(3);
      const first = (await store.events.readStream('s')).events[0]!.data as { list: number[] };
      first.list.push(4);
      expect((await store.events.readStream('s')).events[0]!.data).toEqual({ list: [1, 2] });
    });
  });
}
