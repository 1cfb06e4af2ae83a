import { afterAll, describe, expect, it } from 'vitest';
import { defineCommand, memoryTransport, type, whizbang } from '@whizbang/core';
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
});
