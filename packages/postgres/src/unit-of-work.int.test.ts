import { afterAll, describe, expect, it } from 'vitest';
import { defineCommand, isConcurrencyError, memoryTransport, type, whizbang } from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();
const Notify = defineCommand('Notify', { data: type<{ n: number }>() });

// On PostgreSQL transactions really run at once: a unit of work that read a stream another
// committed to meanwhile must fail its append, roll back its outbox rows, and run again.
describe.runIf(available)('postgres: unit of work under contention', () => {
  afterAll(() => dropSchemas('wbu'));

  it('lets 20 racing units of work each append once to the same streams, with their messages', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbu'), maxConnections: 8 });
    try {
      const app = whizbang({
        store,
        messaging: { transport: memoryTransport(), service: 'counter', commandRoutes: { Notify: 'audit' } },
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          app.transaction(
            async (uow) => {
              // Read both streams, then append to both at the versions read.
              const a = await uow.store.events.readStream('counter-a');
              const b = await uow.store.events.readStream('counter-b');
              await uow.store.events.appendToStream('counter-a', [{ type: 'Counted', data: { n } }], {
                expectedVersion: a.version === 0 ? 'no_stream' : a.version,
              });
              await uow.store.events.appendToStream('counter-b', [{ type: 'Counted', data: { n } }], {
                expectedVersion: b.version === 0 ? 'no_stream' : b.version,
              });
              await uow.send(Notify({ n }));
            },
            { retry: { maxAttempts: 100, baseDelayMs: 2, maxDelayMs: 20 } },
          ),
        ),
      );
      const a = await store.events.readStream('counter-a');
      const b = await store.events.readStream('counter-b');
      expect(a.version).toBe(20);
      expect(b.version).toBe(20);
      // Each unit of work appended to both streams in the same order relative to the others.
      expect(a.events.map((e) => (e.data as { n: number }).n)).toEqual(
        b.events.map((e) => (e.data as { n: number }).n),
      );
      const outgoing = await store.outbox.list({ limit: 100 });
      expect(outgoing.map((m) => (JSON.parse(m.body) as { n: number }).n).toSorted((x, y) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, n) => n),
      );
    } finally {
      await store.close();
    }
  });

  it("appends to the same streams in opposite orders at once without a deadlock, keeping the caller's order", async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbu'), maxConnections: 8 });
    try {
      const streams = ['stock-a', 'stock-b', 'stock-c'];
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, n) => {
          const order = n % 2 === 0 ? streams : streams.toReversed();
          return store.events.appendToStreams(
            order.map((stream) => ({ stream, events: [{ type: 'Reserved', data: { n } }] })),
          );
        }),
      );
      // Without a common lock order, PostgreSQL kills one of two crossed transactions (40P01).
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const stream of streams) expect((await store.events.readStream(stream)).version).toBe(40);
      // Each transaction's events stay in the order it gave them in the global log.
      const log: { stream: string; n: number }[] = [];
      for await (const e of store.events.readAll())
        log.push({ stream: e.stream, n: (e.data as { n: number }).n });
      for (let at = 0; at < log.length; at += 3) {
        const n = log[at]?.n ?? -1;
        expect(log.slice(at, at + 3).map((e) => e.stream)).toEqual(
          n % 2 === 0 ? streams : streams.toReversed(),
        );
      }
    } finally {
      await store.close();
    }
  });

  it('names a transaction-order conflict as one: the version was the one expected, and wrote first is why', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbu'), maxConnections: 4 });
    try {
      await store.events.appendToStream('hot', [{ type: 'Bumped', data: {} }]);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      // The writer holds the stream; the late one writes a document (taking its transaction id),
      // then waits for the stream, and finds the writer's newer version at the one it read.
      const writer = store.transaction(async (tx) => {
        await tx.events.lockStreams(['hot']);
        locked();
        await released;
        await tx.events.appendToStream('hot', [{ type: 'Bumped', data: {} }], { expectedVersion: 1 });
      });
      await holding;
      const late = store
        .transaction(async (tx) => {
          await tx.documents.put('notes', 'n-1', { note: 'written first' });
          const waiting = tx.events.lockStreams(['hot']);
          release();
          await waiting;
          const { version } = await tx.events.readStream('hot');
          await tx.events.appendToStream('hot', [{ type: 'Bumped', data: {} }], { expectedVersion: version });
        })
        .catch((error: unknown) => error);
      await writer;
      const error = await late;
      expect(isConcurrencyError(error)).toBe(true);
      expect(error).toMatchObject({ stream: 'hot', expected: 2, actual: 2 });
      expect((error as Error).message).toMatch(/wrote something before it reached the stream/);
      expect(await store.documents.get('notes', 'n-1')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
