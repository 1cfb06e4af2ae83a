import { expect, it } from 'vitest';
import { memoryStore } from '@whizbang/core';
import { sqliteStore } from '@whizbang/sqlite';
import { cancelAll, everyOrderOf, OrderSummaries, writeAndQuery } from './documents.js';

for (const [name, open] of [
  ['memory', () => memoryStore()],
  ['sqlite', () => sqliteStore({ path: ':memory:' })],
] as const) {
  it(`docs/documents.md samples run on ${name}`, async () => {
    await using store = open();
    const { big, shipped } = await writeAndQuery(store);
    expect(big.documents.map((d) => [d.id, d.version, d.data.status])).toEqual([['o-1', 2, 'shipped']]);
    expect(big.next).toBeUndefined();
    expect(shipped).toBe(1);
    for (let i = 0; i < 250; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      await store.documents.put(OrderSummaries, `c2-${String(i).padStart(3, '0')}`, {
        customer: { id: 'c-2', name: 'Grace' },
        status: 'placed',
        total: i,
        placedAt: at,
      });
    }
    const ids = await everyOrderOf(store, 'c-2');
    expect(ids).toHaveLength(250);
    expect(ids[0]).toBe('c2-000');
    expect(ids.at(-1)).toBe('c2-249');
    await cancelAll(store, ['o-1', 'c2-000']);
    const cancelled = await store.documents.getMany(OrderSummaries, ['o-1', 'c2-000']);
    expect(cancelled.map((d) => [d.version, d.data.status])).toEqual([
      [3, 'cancelled'],
      [2, 'cancelled'],
    ]);
  });
}
