import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConcurrencyError, isStateError } from '@whizbang/core';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Behaviour every driver shares is pinned by the conformance suite; these are SQLite's own.
describe('sqliteStore', () => {
  it('keeps events in the file across reopening', async () => {
    const path = join(dir, 'reopen.db');
    const first = sqliteStore({ path });
    await first.events.appendToStream('s-1', [
      { type: 'A', data: { n: 1 } },
      { type: 'B', data: { n: 2 } },
    ]);
    await first.close();
    const second = sqliteStore({ path });
    const slice = await second.events.readStream('s-1');
    expect(slice.version).toBe(2);
    expect(slice.events.map((e) => [e.type, e.data, e.streamVersion, e.logPosition.position])).toEqual([
      ['A', { n: 1 }, 1, 1n],
      ['B', { n: 2 }, 2, 2n],
    ]);
    await second.close();
  });

  it('migrates idempotently', async () => {
    const store = sqliteStore({ path: join(dir, 'migrate.db') });
    await store.migrate();
    await store.migrate();
    await store.events.appendToStream('s', [{ type: 'E', data: {} }]);
    expect((await store.events.readStream('s')).version).toBe(1);
    await store.close();
  });

  it('works on :memory:, with one winner per version among concurrent appends', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        store.events.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'no_stream' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && isConcurrencyError(r.reason))).toHaveLength(19);
    await store.close();
    await expect(store.events.readStream('s')).rejects.toSatisfy(isStateError);
  });

  it('commits or rolls back a transaction as a whole, invisible to readers until commit', async () => {
    const store = sqliteStore({ path: join(dir, 'tx.db') });
    await expect(
      store.transaction(async (tx) => {
        await tx.events.appendToStream('a', [{ type: 'E', data: {} }]);
        await tx.documents.put('docs', '1', { x: 1 });
        expect((await store.events.getStreamInfo('a')).exists).toBe(false);
        expect((await tx.events.getStreamInfo('a')).version).toBe(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await store.events.getStreamInfo('a')).exists).toBe(false);
    expect(await store.documents.get('docs', '1')).toBeUndefined();
    await store.transaction(async (tx) => {
      await tx.events.appendToStream('a', [{ type: 'E', data: {} }]);
      await tx.documents.put('docs', '1', { x: 1 });
    });
    expect((await store.events.getStreamInfo('a')).version).toBe(1);
    expect((await store.documents.get('docs', '1'))?.data).toEqual({ x: 1 });
    await store.close();
  });
});
