/** `readAll` and `subscribe`: global order, `after` strictly exclusive, paging, filters, head. */
import { describe, expect, it } from 'vitest';
import {
  compareLogPositions,
  isValidationError,
  LOG_START,
  streamPartition,
  type RecordedEvent,
} from '@whizbang/core';
import { collect, event, events, rejection, storeHarness, type StoreFactory } from './harness.js';

export function readAllCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('readAll', () => {
    it('reads nothing from an empty store, whose head is LOG_START', async () => {
      const store = await open();
      expect(await collect(store.events.readAll())).toEqual([]);
      expect(await store.events.readHeadPosition()).toEqual(LOG_START);
    });

    it('reads every stream in global order, positions strictly increasing', async () => {
      const store = await open();
      await store.events.appendToStream('a', [event('A1')]);
      await store.events.appendToStream('b', [event('B1'), event('B2')]);
      await store.events.appendToStream('a', [event('A2')]);
      const all = await collect(store.events.readAll());
      expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
      for (let i = 1; i < all.length; i++)
        expect(compareLogPositions(all[i - 1]!.logPosition, all[i]!.logPosition)).toBeLessThan(0);
      expect(await store.events.readHeadPosition()).toEqual(all.at(-1)!.logPosition);
    });

    it('`after` is exclusive: reading after an event starts with the next one', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(5));
      const all = await collect(store.events.readAll());
      const rest = await collect(store.events.readAll({ after: all[1]!.logPosition }));
      expect(rest.map((e) => e.data)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
      expect(await collect(store.events.readAll({ after: all[4]!.logPosition }))).toEqual([]);
    });

    it('pages across batch boundaries without losing or repeating an event', async () => {
      const store = await open();
      for (let i = 0; i < 5; i++) await store.events.appendToStream(`s-${i}`, events(5));
      for (const batchSize of [1, 2, 3, 7, 25, 26]) {
        const all = await collect(store.events.readAll({ batchSize }));
        expect(all.map((e) => `${e.stream}:${e.streamVersion}`)).toEqual(
          Array.from({ length: 25 }, (_, i) => `s-${Math.floor(i / 5)}:${(i % 5) + 1}`),
        );
      }
    });

    it('filters by event type, stream prefix and tenant', async () => {
      const store = await open();
      await store.events.appendToStream('order-1', [event('Placed'), event('Shipped')]);
      await store.events.appendToStream('cart-1', [event('Placed')]);
      await store.events.appendToStream('order-2', [event('Placed')], { tenantId: 'acme' });
      const types = await collect(store.events.readAll({ filter: { types: ['Shipped'] } }));
      expect(types.map((e) => e.type)).toEqual(['Shipped']);
      const prefixed = await collect(
        store.events.readAll({ filter: { streamPrefix: 'order-' }, batchSize: 1 }),
      );
      expect(prefixed.map((e) => e.stream)).toEqual(['order-1', 'order-1', 'order-2']);
      const tenant = await collect(store.events.readAll({ filter: { tenantId: 'acme' } }));
      expect(tenant.map((e) => [e.stream, e.tenantId])).toEqual([['order-2', 'acme']]);
    });

    it('a prefix filter treats LIKE wildcards literally', async () => {
      const store = await open();
      await store.events.appendToStream('a%b', [event('X')]);
      await store.events.appendToStream('aXb', [event('Y')]);
      await store.events.appendToStream('a_b', [event('Z')]);
      expect(
        (await collect(store.events.readAll({ filter: { streamPrefix: 'a%' } }))).map((e) => e.type),
      ).toEqual(['X']);
      expect(
        (await collect(store.events.readAll({ filter: { streamPrefix: 'a_' } }))).map((e) => e.type),
      ).toEqual(['Z']);
    });

    it('stops at an aborted signal', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(3));
      const controller = new AbortController();
      controller.abort();
      await expect(collect(store.events.readAll({ signal: controller.signal }))).rejects.toBeDefined();
    });
  });

  describe('subscribe', () => {
    it('delivers the past, then events appended later, in order, until aborted', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(2));
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const done = (async () => {
        for await (const e of store.events.subscribe({ signal: controller.signal, pollIntervalMs: 20 })) {
          seen.push(e);
          if (seen.length === 5) controller.abort();
        }
      })();
      await store.events.appendToStream('s', events(1));
      await store.events.appendToStream('t', events(2));
      await done;
      expect(seen.map((e) => `${e.stream}:${e.streamVersion}`)).toEqual(['s:1', 's:2', 's:3', 't:1', 't:2']);
    });

    it('starts after a given position and honours filters', async () => {
      const store = await open();
      const first = await store.events.appendToStream('s', events(2));
      const controller = new AbortController();
      const seen: string[] = [];
      const done = (async () => {
        for await (const e of store.events.subscribe({
          after: first.lastPosition,
          filter: { types: ['Wanted'] },
          signal: controller.signal,
          pollIntervalMs: 20,
        })) {
          seen.push(e.type);
          controller.abort();
        }
      })();
      await store.events.appendToStream('s', [event('Unwanted'), event('Wanted')]);
      await done;
      expect(seen).toEqual(['Wanted']);
    });

    it('ends cleanly when the consumer breaks out', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(3));
      let count = 0;
      for await (const _ of store.events.subscribe({ pollIntervalMs: 20 })) {
        if (++count === 2) break;
      }
      expect(count).toBe(2);
    });

    it('stops at `until`, a head read before', async () => {
      const store = await open();
      await store.events.appendToStream('s', events(5));
      const head = await store.events.readHeadPosition();
      await store.events.appendToStream('s', events(2));
      const all = await collect(store.events.readAll());
      expect(await collect(store.events.readAll({ until: head }))).toEqual(all.slice(0, 5));
      expect(
        await collect(
          store.events.readAll({ after: all[1]!.logPosition, until: all[3]!.logPosition, batchSize: 1 }),
        ),
      ).toEqual(all.slice(2, 4));
      const bad = { commit: 1n, position: 'x' } as unknown as typeof head;
      expect(isValidationError(await rejection(collect(store.events.readAll({ until: bad }))))).toBe(true);
    });

    it('splits the log into partitions by stream, each event in exactly one', async () => {
      const store = await open();
      const streams = Array.from({ length: 40 }, (_, i) => `order-${i}`);
      for (const stream of streams) await store.events.appendToStream(stream, events(2));
      const all = await collect(store.events.readAll());
      const seen: string[] = [];
      for (let index = 0; index < 3; index++) {
        const part = await collect(
          store.events.readAll({ batchSize: 7, filter: { partition: { count: 3, index } } }),
        );
        for (const e of part) expect(streamPartition(e.stream, 3)).toBe(index);
        seen.push(...part.map((e) => e.id));
      }
      expect(seen.toSorted()).toEqual(all.map((e) => e.id).toSorted());
      const whole = await collect(store.events.readAll({ filter: { partition: { count: 1, index: 0 } } }));
      expect(whole).toHaveLength(80);
      for (const partition of [
        { count: 0, index: 0 },
        { count: 2, index: 2 },
        { count: 2, index: -1 },
      ]) {
        expect(
          isValidationError(await rejection(collect(store.events.readAll({ filter: { partition } })))),
        ).toBe(true);
      }
    });
  });
}
