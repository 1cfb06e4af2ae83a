// The store's own pool runs pg in pipeline mode: a transaction's BEGIN rides with its first
// statement, and a savepoint with the statement it guards. Counted through a proxy that delays
// every packet, so a round trip costs far more than the work.
import { isDocumentConflictError, isStateError } from '@whizbang/core';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresStore } from './postgres-store.js';
import {
  connectionString,
  delayedConnection,
  dropSchemas,
  freshSchema,
  postgresAvailable,
} from './test-support/database.js';

const available = await postgresAvailable();

describe.runIf(available)('postgres: pipelined transactions', () => {
  afterAll(() => dropSchemas('wbpipe'));

  it("sends a projection batch's BEGIN with its checkpoint, and a versioned write with its savepoint", async () => {
    const proxy = await delayedConnection(connectionString, 40);
    const store = postgresStore({
      connectionString: proxy.url,
      schema: freshSchema('wbpipe'),
      maxConnections: 1,
    });
    const { roundTrips } = proxy;
    try {
      await store.migrate();
      await store.documents.putMany('counts', [{ id: 'a', data: { n: 1 } }]);
      const first = { commit: 1n, position: 1n };
      await store.checkpoints.compareAndSet('batch', undefined, first);
      // A daemon batch: move the checkpoint, then write the documents at the versions read.
      const batch = await roundTrips(() =>
        store.transaction(async (tx) => {
          await tx.checkpoints.compareAndSet('batch', first, { commit: 1n, position: 2n });
          await tx.documents.putMany('counts', [{ id: 'a', data: { n: 2 }, expectedVersion: 1 }]);
        }),
      );
      // BEGIN + compare-and-set, SAVEPOINT + UPDATE, COMMIT: three, where it took five.
      expect(batch).toBeGreaterThanOrEqual(3);
      expect(batch).toBeLessThan(3.5);
      expect(await store.documents.get('counts', 'a')).toMatchObject({ version: 2, data: { n: 2 } });
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('undoes a failed versioned write to its savepoint and keeps the transaction', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbpipe') });
    try {
      await store.documents.putMany('counts', [
        { id: 'a', data: { n: 1 } },
        { id: 'b', data: { n: 1 } },
      ]);
      await store.transaction(async (tx) => {
        const conflict = await tx.documents
          .putMany('counts', [
            { id: 'a', data: { n: 2 }, expectedVersion: 1 },
            { id: 'b', data: { n: 2 }, expectedVersion: 7 },
          ])
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(isDocumentConflictError(conflict)).toBe(true);
        await tx.documents.put('counts', 'c', { n: 3 });
      });
      expect((await store.documents.get('counts', 'a'))?.data).toEqual({ n: 1 });
      expect((await store.documents.get('counts', 'c'))?.data).toEqual({ n: 3 });
    } finally {
      await store.close();
    }
  });

  it('fails a transaction whose COMMIT rolled back because a statement in it failed unseen', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbpipe') });
    try {
      await store.events.appendToStream('s', [{ type: 'Opened', data: {} }]);
      const outcome = await store
        .transaction(async (tx) => {
          await tx.documents.put('counts', 'lost', { n: 1 });
          // Caught: the append's error aborted the transaction all the same.
          await tx.events
            .appendToStream('s', [{ type: 'Raced', data: {} }], { expectedVersion: 7 })
            .catch(() => undefined);
          return 'saved';
        })
        .then(
          (value) => value,
          (error: unknown) => error,
        );
      expect(isStateError(outcome)).toBe(true);
      expect((outcome as Error).message).toMatch(/rolled back at COMMIT/);
      expect(await store.documents.get('counts', 'lost')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
