import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineTable, isStateError } from '@whizbang/core';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `tables-${n++}.db`);

const Totals = defineTable<{ id: string; customer: string | null; total: number | null; lines: unknown }>(
  'order_totals',
  { columns: { customer: 'text', total: 'integer', lines: 'json' }, indexes: [['customer', 'total']] },
);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('sqlite: tables', () => {
  it('adds columns another process declared, and rolls a migration back with its transaction', async () => {
    const path = file();
    await using first = sqliteStore({ path });
    await using second = sqliteStore({ path });
    await first.tables.migrate(Totals);
    await first.tables.upsertMany(Totals, [{ id: 'a', customer: 'ann', total: 1, lines: null }]);
    const v2 = defineTable('order_totals', {
      columns: { ...Totals.columns, paid: 'boolean' },
      indexes: [...Totals.indexes, ['paid']],
    });
    await second.tables.migrate(v2);
    await second.tables.upsertMany(v2, [{ id: 'b', paid: false }]);
    expect(await first.tables.select(Totals)).toHaveLength(2);
    expect(await second.tables.select(v2, { where: { paid: false } })).toEqual([
      { id: 'b', customer: null, total: null, lines: null, paid: false },
    ]);
    const other = defineTable('other_rows', { columns: { n: 'integer' } });
    await failure(
      first.transaction(async (tx) => {
        await tx.tables.migrate(other);
        await tx.tables.upsertMany(other, [{ id: 'x', n: 1 }]);
        throw new Error('roll back');
      }),
    );
    expect(isStateError(await failure(second.tables.select(other)))).toBe(true);
  });

  it('refuses a table migrated with fewer columns than declared', async () => {
    await using store = sqliteStore({ path: file() });
    await store.tables.migrate(Totals);
    await store.tables.upsertMany(Totals, [{ id: 'a', customer: 'x', total: 1, lines: null }]);
    const v2 = defineTable('order_totals', { columns: { ...Totals.columns, extra: 'text' } });
    expect(isStateError(await failure(store.tables.getMany(v2, ['a'])))).toBe(true);
  });

  it('creates declared indexes the planner uses for equality and order', async () => {
    const path = file();
    const store = sqliteStore({ path });
    await store.tables.migrate(Totals);
    await store.tables.migrate(Totals);
    await store.close();
    const db = new DatabaseSync(path);
    try {
      expect(
        db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'order_totals_ix_%'`).all(),
      ).toHaveLength(1);
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT * FROM order_totals t WHERE t.tenant_id = 'default' AND t.customer = 'ann'
            ORDER BY t.total ASC NULLS LAST, t.id LIMIT 10`,
        )
        .all();
      expect(JSON.stringify(plan)).toMatch(/USING INDEX order_totals_ix_/);
    } finally {
      db.close();
    }
  });
});
