import { afterAll, describe, expect, it } from 'vitest';
import { isLeaseLostError, type LogPosition } from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

const at = (n: number): LogPosition => ({ commit: BigInt(n), position: BigInt(n) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const long = { ttlMs: 60_000 };

/** Settles to whether `promise` settled within `ms`. */
const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);

// What the shared suite cannot show: the fence is a row lock, so a lease cannot change hands
// while a batch fenced by it is still committing, and a fenced batch waits for a takeover in
// flight and then sees it.
describe.runIf(available)('postgres: lease fencing', () => {
  afterAll(() => dropSchemas('wbl'));

  it('keeps an expired lease from changing hands until the fenced batch has committed', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbl'), maxConnections: 4 });
    try {
      const old = (await store.checkpoints.acquireLease('p/0', 'node-a', { ttlMs: 100 }))!;
      let finish!: () => void;
      const open = new Promise<void>((resolve) => (finish = resolve));
      const batch = store.transaction(async (tx) => {
        await tx.documents.putMany('counts', [{ id: 's-1', data: { n: 1 } }]);
        await tx.checkpoints.compareAndSet('p/0', undefined, at(1), { lease: old });
        await open; // the batch is slow: the lease expires before it commits
      });
      await sleep(200);
      const takeover = store.checkpoints.acquireLease('p/0', 'node-b', long);
      expect(await settlesWithin(takeover, 300)).toBe(false);
      finish();
      await batch;
      expect(await takeover).toMatchObject({ owner: 'node-b', epoch: 2 });
      expect((await store.checkpoints.get('p/0'))?.position).toEqual(at(1));
      expect(await store.documents.get('counts', 's-1')).toMatchObject({ data: { n: 1 } });
    } finally {
      await store.close();
    }
  });

  it('makes a fenced write wait for a takeover in flight, then refuses it', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbl'), maxConnections: 4 });
    try {
      const old = (await store.checkpoints.acquireLease('p/0', 'node-a', { ttlMs: 50 }))!;
      await sleep(120);
      let finish!: () => void;
      const open = new Promise<void>((resolve) => (finish = resolve));
      const takeover = store.transaction(async (tx) => {
        const lease = await tx.checkpoints.acquireLease('p/0', 'node-b', long);
        await open;
        return lease;
      });
      await sleep(100);
      const write = store.checkpoints.compareAndSet('p/0', undefined, at(1), { lease: old });
      expect(await settlesWithin(write, 300)).toBe(false);
      finish();
      expect(await takeover).toMatchObject({ owner: 'node-b', epoch: 2 });
      expect(isLeaseLostError(await write.catch((error: unknown) => error))).toBe(true);
      expect(await store.checkpoints.get('p/0')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
