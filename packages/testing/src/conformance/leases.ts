/**
 * Leases and fencing: one holder at a time, takeover only after expiry, an epoch that goes up
 * with every change of hands, and checkpoint writes refused for a stale holder.
 */
import { describe, expect, it } from 'vitest';
import { isLeaseLostError, isValidationError, type LogPosition } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

const at = (n: number): LogPosition => ({ commit: BigInt(n), position: BigInt(n) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const long = { ttlMs: 60_000 };

export function leaseCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('leases', () => {
    it('gives a free lease to one owner and refuses it to others while it lasts', async () => {
      const store = await open();
      const lease = await store.checkpoints.acquireLease('p/0', 'node-a', long);
      expect(lease).toMatchObject({ name: 'p/0', owner: 'node-a', epoch: 1 });
      expect(lease!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(await store.checkpoints.acquireLease('p/0', 'node-b', long)).toBeUndefined();
      // The holder acquiring again is a renewal: same epoch.
      expect(await store.checkpoints.acquireLease('p/0', 'node-a', long)).toMatchObject({ epoch: 1 });
    });

    it('lets exactly one of many racing owners take a free lease', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.checkpoints.acquireLease('race', `node-${i}`, long)),
      );
      expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
    });

    it('hands an expired lease to a new owner with a higher epoch, and fences the old one', async () => {
      const store = await open();
      const old = (await store.checkpoints.acquireLease('p/0', 'node-a', { ttlMs: 50 }))!;
      await store.checkpoints.compareAndSet('p/0', undefined, at(1), { lease: old });
      await sleep(120);
      const taken = await store.checkpoints.acquireLease('p/0', 'node-b', long);
      expect(taken).toMatchObject({ owner: 'node-b', epoch: 2 });
      expect(await store.checkpoints.renewLease(old, long)).toBeUndefined();
      const lost = await rejection(store.checkpoints.compareAndSet('p/0', at(1), at(2), { lease: old }));
      expect(isLeaseLostError(lost)).toBe(true);
      expect(lost).toMatchObject({ lease: 'p/0', owner: 'node-a', epoch: 1 });
      expect((await store.checkpoints.get('p/0'))?.position).toEqual(at(1));
      await store.checkpoints.compareAndSet('p/0', at(1), at(2), { lease: taken! });
      expect((await store.checkpoints.get('p/0'))?.position).toEqual(at(2));
    });

    it('renews a held lease, even past its expiry while nobody took it', async () => {
      const store = await open();
      const lease = (await store.checkpoints.acquireLease('p/0', 'node-a', { ttlMs: 50 }))!;
      await sleep(120);
      const renewed = await store.checkpoints.renewLease(lease, long);
      expect(renewed).toMatchObject({ owner: 'node-a', epoch: 1 });
      expect(renewed!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(await store.checkpoints.acquireLease('p/0', 'node-b', long)).toBeUndefined();
    });

    it('releases a lease so the next owner takes it at once, with a new epoch', async () => {
      const store = await open();
      const lease = (await store.checkpoints.acquireLease('p/0', 'node-a', long))!;
      expect(await store.checkpoints.releaseLease({ ...lease, owner: 'node-b' })).toBe(false);
      expect(await store.checkpoints.releaseLease(lease)).toBe(true);
      expect(await store.checkpoints.releaseLease(lease)).toBe(false);
      expect(
        isLeaseLostError(
          await rejection(store.checkpoints.compareAndSet('p/0', undefined, at(1), { lease })),
        ),
      ).toBe(true);
      expect(await store.checkpoints.get('p/0')).toBeUndefined();
      expect(await store.checkpoints.acquireLease('p/0', 'node-b', long)).toMatchObject({ epoch: 2 });
      // Even its former owner comes back at a new epoch: its old token stays fenced.
      await store.checkpoints.releaseLease({ name: 'p/0', owner: 'node-b', epoch: 2 });
      expect(await store.checkpoints.acquireLease('p/0', 'node-a', long)).toMatchObject({ epoch: 3 });
    });

    it('lists leases by prefix with whether each is held now', async () => {
      const store = await open();
      await store.checkpoints.acquireLease('p/1', 'node-a', long);
      await store.checkpoints.acquireLease('p/0', 'node-b', { ttlMs: 30 });
      await store.checkpoints.acquireLease('q/0', 'node-a', long);
      const released = (await store.checkpoints.acquireLease('p/2', 'node-a', long))!;
      await store.checkpoints.releaseLease(released);
      await sleep(80);
      const listed = await store.checkpoints.listLeases({ prefix: 'p/' });
      expect(listed.map(({ name, owner, epoch, active }) => ({ name, owner, epoch, active }))).toEqual([
        { name: 'p/0', owner: 'node-b', epoch: 1, active: false },
        { name: 'p/1', owner: 'node-a', epoch: 1, active: true },
        { name: 'p/2', owner: '', epoch: 1, active: false },
      ]);
      expect((await store.checkpoints.listLeases()).map((l) => l.name)).toEqual(['p/0', 'p/1', 'p/2', 'q/0']);
    });

    it('fences a checkpoint inside a transaction: a lost lease rolls the whole batch back', async () => {
      const store = await open();
      const old = (await store.checkpoints.acquireLease('p/0', 'node-a', { ttlMs: 50 }))!;
      await sleep(120);
      await store.checkpoints.acquireLease('p/0', 'node-b', long);
      const lost = await rejection(
        store.transaction(async (tx) => {
          await tx.documents.put('counts', 's-1', { n: 1 });
          await tx.checkpoints.compareAndSet('p/0', undefined, at(1), { lease: old });
        }),
      );
      expect(isLeaseLostError(lost)).toBe(true);
      expect(await store.documents.get('counts', 's-1')).toBeUndefined();
    });

    it('lists checkpoints by prefix', async () => {
      const store = await open();
      for (const name of ['p/1', 'q/0', 'p/0']) await store.checkpoints.compareAndSet(name, undefined, at(3));
      expect((await store.checkpoints.list({ prefix: 'p/' })).map((c) => c.name)).toEqual(['p/0', 'p/1']);
      expect((await store.checkpoints.list()).map((c) => [c.name, c.position])).toEqual([
        ['p/0', at(3)],
        ['p/1', at(3)],
        ['q/0', at(3)],
      ]);
    });

    it('refuses bad lease input', async () => {
      const store = await open();
      for (const attempt of [
        store.checkpoints.acquireLease('', 'a', long),
        store.checkpoints.acquireLease('p', '', long),
        store.checkpoints.acquireLease('p', 'a', { ttlMs: 0 }),
        store.checkpoints.renewLease({ name: 'p', owner: 'a', epoch: 0 }, long),
      ]) {
        expect(isValidationError(await rejection(attempt))).toBe(true);
      }
      expect(await store.checkpoints.listLeases()).toEqual([]);
    });
  });
}
