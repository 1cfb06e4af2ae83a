import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import { defineTable, isStateError, type Store } from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

const Totals = defineTable<{ id: string; customer: string | null; total: number | null; lines: unknown }>(
  'order_totals',
  { columns: { customer: 'text', total: 'integer', lines: 'json' }, indexes: [['customer', 'total']] },
);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe.runIf(available)('postgres: tables', () => {
  afterAll(() => dropSchemas());
  const open = (schema = freshSchema()): Store =>
    postgresStore({ connectionString, schema, maxConnections: 2 });

  it('migrates from several stores at once, and inside a transaction that rolls back', async () => {
    const schema = freshSchema();
    const stores: [Store, Store, Store, Store] = [open(schema), open(schema), open(schema), open(schema)];
    const [a, b, c, d] = stores;
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const v2 = defineTable('order_totals', {
        columns: { ...Totals.columns, paid: 'boolean' },
        indexes: [...Totals.indexes, ['paid']],
      });
      await Promise.all(stores.map((store, i) => store.tables.migrate(i % 2 === 0 ? Totals : v2)));
      await a.tables.upsertMany(v2, [{ id: 'a', paid: true }]);
      expect(await b.tables.select(v2, { where: { paid: true } })).toHaveLength(1);
      const other = defineTable('other_rows', { columns: { n: 'integer' } });
      await failure(
        c.transaction(async (tx) => {
          await tx.tables.migrate(other);
          await tx.tables.upsertMany(other, [{ id: 'x', n: 1 }]);
          throw new Error('roll back');
        }),
      );
      expect(isStateError(await failure(d.tables.select(other)))).toBe(true);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a table migrated with fewer columns than declared', async () => {
    await using store = open();
    await store.tables.migrate(Totals);
    await store.tables.upsertMany(Totals, [{ id: 'a', customer: 'x', total: 1, lines: null }]);
    const v2 = defineTable('order_totals', { columns: { ...Totals.columns, extra: 'text' } });
    expect(isStateError(await failure(store.tables.getMany(v2, ['a'])))).toBe(true);
  });

  it('creates declared indexes the planner uses for equality and order', async () => {
    const schema = freshSchema();
    await using store = open(schema);
    await store.tables.migrate(Totals);
    await store.tables.migrate(Totals);
    const pool = new Pool({ connectionString, max: 1 });
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'order_totals_ix_%'`,
        [schema],
      );
      expect(rows).toHaveLength(1);
      await client.query('SET enable_seqscan = off');
      const { rows: plan } = await client.query(
        `EXPLAIN SELECT * FROM "${schema}".order_totals t WHERE t.tenant_id = 'default' AND t.customer = 'ann'
          ORDER BY t.total ASC NULLS LAST, t.id COLLATE "C" LIMIT 10`,
      );
      expect(JSON.stringify(plan)).toMatch(/order_totals_ix_/);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
