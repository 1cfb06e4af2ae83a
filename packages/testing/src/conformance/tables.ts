/** SQL read models: typed columns, tenant-scoped rows, additive migrations, select, drop. */
import { describe, expect, it } from 'vitest';
import { defineTable, isStateError, isValidationError } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

interface Total {
  readonly id: string;
  readonly customer: string | null;
  readonly total_cents: number | null;
  readonly share: number | null;
  readonly vip: boolean | null;
  readonly lines: unknown;
}

const Totals = defineTable<Total>('order_totals', {
  columns: { customer: 'text', total_cents: 'integer', share: 'real', vip: 'boolean', lines: 'json' },
  indexes: [['customer', 'total_cents']],
});

const row = (
  id: string,
  customer: string | null,
  total: number | null,
  extra: Partial<Total> = {},
): Total => ({
  id,
  customer,
  total_cents: total,
  share: null,
  vip: null,
  lines: null,
  ...extra,
});

export function tableCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('tables', () => {
    it('creates a table, upserts and reads rows back with their types, per tenant', async () => {
      const store = await open();
      await store.tables.migrate(Totals);
      await store.tables.migrate(Totals); // idempotent
      await store.tables.upsertMany(Totals, [
        row('o-1', 'ann', 1200, { share: 0.25, vip: true, lines: [{ sku: 'a', qty: 2 }] }),
        { id: 'o-2', customer: 'bob' } as Total,
      ]);
      await store.tables.upsertMany(Totals, [row('o-1', 'zed', 1)], { tenantId: 't2' });
      expect(await store.tables.getMany(Totals, ['o-2', 'missing', 'o-1'])).toEqual([
        row('o-2', 'bob', null),
        row('o-1', 'ann', 1200, { share: 0.25, vip: true, lines: [{ sku: 'a', qty: 2 }] }),
      ]);
      await store.tables.upsertMany(Totals, [row('o-1', 'ann', 1300, { vip: false })]);
      expect(await store.tables.getMany(Totals, ['o-1'])).toEqual([row('o-1', 'ann', 1300, { vip: false })]);
      expect(await store.tables.getMany(Totals, ['o-1'], { tenantId: 't2' })).toEqual([row('o-1', 'zed', 1)]);
      expect(await store.tables.deleteMany(Totals, ['o-1', 'nope'])).toBe(1);
      expect(await store.tables.getMany(Totals, ['o-1'])).toEqual([]);
      expect(await store.tables.getMany(Totals, ['o-1'], { tenantId: 't2' })).toHaveLength(1);
    });

    it('selects by equality, sorted with nulls last and ties by key, limited', async () => {
      const store = await open();
      await store.tables.migrate(Totals);
      await store.tables.upsertMany(Totals, [
        row('d', 'ann', 300),
        row('a', 'ann', null),
        row('c', 'ann', 100),
        row('b', 'ann', 300),
        row('e', 'bob', 50),
      ]);
      const ids = (rows: readonly Total[]) => rows.map((r) => r.id);
      expect(
        ids(
          await store.tables.select(Totals, {
            where: { customer: 'ann' },
            orderBy: [{ column: 'total_cents' }],
          }),
        ),
      ).toEqual(['c', 'b', 'd', 'a']);
      expect(
        ids(
          await store.tables.select(Totals, {
            orderBy: [{ column: 'total_cents', direction: 'desc' }],
            limit: 3,
          }),
        ),
      ).toEqual(['b', 'd', 'c']);
      expect(ids(await store.tables.select(Totals, { where: { total_cents: null } }))).toEqual(['a']);
      expect(ids(await store.tables.select(Totals, { tenantId: 't2' }))).toEqual([]);
    });

    it('round-trips JSON strings and large numbers, and sorts text by code point', async () => {
      const store = await open();
      await store.tables.migrate(Totals);
      const rows = [
        row('b', 'é', Number.MAX_SAFE_INTEGER, { lines: '123' }),
        row('a', 'z', -1, { lines: 'plain text' }),
        row('c', '\u{1F600}', 0, { lines: { nested: [1, 'two', null] } }),
        row('d', 'Z', null, { lines: [] }),
      ];
      await store.tables.upsertMany(Totals, rows);
      expect(await store.tables.getMany(Totals, ['a', 'b', 'c', 'd'])).toEqual([
        rows[1],
        rows[0],
        rows[2],
        rows[3],
      ]);
      const order = await store.tables.select(Totals, { orderBy: [{ column: 'customer' }] });
      expect(order.map((r) => r.customer)).toEqual(['Z', 'z', 'é', '\u{1F600}']);
    });

    it('adds declared columns to an existing table and keeps its rows', async () => {
      const store = await open();
      const v1 = defineTable<{ id: string; n: number | null }>('counters', { columns: { n: 'integer' } });
      await store.tables.migrate(v1);
      await store.tables.upsertMany(v1, [{ id: 'a', n: 1 }]);
      const v2 = defineTable<{ id: string; n: number | null; label: string | null }>('counters', {
        columns: { n: 'integer', label: 'text' },
      });
      await store.tables.migrate(v2);
      expect(await store.tables.getMany(v2, ['a'])).toEqual([{ id: 'a', n: 1, label: null }]);
      await store.tables.upsertMany(v2, [{ id: 'b', n: 2, label: 'two' }]);
      expect(await store.tables.select(v2, { where: { label: 'two' } })).toEqual([
        { id: 'b', n: 2, label: 'two' },
      ]);
    });

    it('commits and rolls back with a transaction, and drops a table', async () => {
      const store = await open();
      await store.tables.migrate(Totals);
      await rejection(
        store.transaction(async (tx) => {
          await tx.tables.upsertMany(Totals, [row('o-1', 'ann', 1)]);
          throw new Error('roll back');
        }),
      );
      expect(await store.tables.getMany(Totals, ['o-1'])).toEqual([]);
      await store.transaction((tx) => tx.tables.upsertMany(Totals, [row('o-1', 'ann', 1)]));
      expect(await store.tables.getMany(Totals, ['o-1'])).toHaveLength(1);
      await store.tables.drop(Totals);
      await store.tables.drop(Totals); // dropping what is gone is fine
      await store.tables.migrate(Totals);
      expect(await store.tables.select(Totals)).toEqual([]);
    });

    it('says a table must be migrated first, also after a drop and inside a transaction', async () => {
      const store = await open();
      for (const attempt of [
        () => store.tables.getMany(Totals, []),
        () => store.tables.upsertMany(Totals, []),
        () => store.tables.deleteMany(Totals, ['a']),
        () => store.tables.select(Totals),
      ])
        expect(isStateError(await rejection(attempt()))).toBe(true);
      await store.tables.migrate(Totals);
      await store.tables.upsertMany(Totals, [row('a', 'ann', 1)]);
      expect(await store.tables.getMany(Totals, ['a'])).toHaveLength(1);
      await store.tables.drop(Totals);
      // Statements a driver prepared before the drop must fail the same way.
      expect(isStateError(await rejection(store.tables.getMany(Totals, ['a'])))).toBe(true);
      const error = await rejection(store.transaction((tx) => tx.tables.select(Totals)));
      expect((error as Error).message).toBe(
        "Table 'order_totals' does not exist: call tables.migrate() first",
      );
    });

    it('refuses rows and queries that do not fit the declaration, writing nothing', async () => {
      const store = await open();
      await store.tables.migrate(Totals);
      for (const bad of [
        [{ id: '', customer: 'x' }],
        [{ id: 'a', customer: 1 }],
        [{ id: 'a', total_cents: 1.5 }],
        [{ id: 'a', share: Number.NaN }],
        [{ id: 'a', vip: 'yes' }],
        [{ id: 'a', lines: { n: 1n } }],
        [{ id: 'a', nope: 1 }],
        [{ id: 'a' }, { id: 'a' }],
      ]) {
        expect(isValidationError(await rejection(store.tables.upsertMany(Totals, bad as never)))).toBe(true);
      }
      expect(isValidationError(await rejection(store.tables.select(Totals, { where: { nope: 1 } })))).toBe(
        true,
      );
      expect(
        isValidationError(await rejection(store.tables.select(Totals, { orderBy: [{ column: 'lines' }] }))),
      ).toBe(true);
      expect(isValidationError(await rejection(store.tables.migrate({ ...Totals, name: 'Bad Name' })))).toBe(
        true,
      );
      for (const name of ['events', 'documents', 'whizbang_migrations'])
        expect(isValidationError(await rejection(store.tables.drop({ ...Totals, name })))).toBe(true);
      expect(await store.tables.select(Totals)).toEqual([]);
    });
  });
}
