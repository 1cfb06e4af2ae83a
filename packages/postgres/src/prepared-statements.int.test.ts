import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

const at = (n: number) => ({ commit: BigInt(n), position: BigInt(n) });

/** Statements prepared on the pool's one connection. */
async function preparedCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'whizbang\\_%'`,
  );
  return Number(rows[0]?.n);
}

// Lookups and writes by key run as named prepared statements: planned once per connection.
describe.runIf(available)('postgres: prepared statements', () => {
  afterAll(() => dropSchemas('wbp'));

  it('prepares the hot statements once per connection, and none when turned off', async () => {
    for (const preparedStatements of [true, false]) {
      const pool = new Pool({ connectionString, max: 1 });
      const store = postgresStore({ pool, schema: freshSchema('wbp'), preparedStatements });
      try {
        await store.documents.put('carts', 'c-1', { items: 1 });
        await store.transaction(async (tx) => {
          const [cart] = await tx.documents.getMany<{ items: number }>('carts', ['c-1']);
          await tx.documents.putMany('carts', [{ id: 'c-1', data: { items: (cart?.data.items ?? 0) + 1 } }]);
          await tx.checkpoints.compareAndSet('p', undefined, at(1));
        });
        expect((await store.documents.get('carts', 'c-1'))?.data).toEqual({ items: 2 });
        expect(await preparedCount(pool)).toBe(preparedStatements ? 5 : 0);
      } finally {
        await store.close();
        await pool.end();
      }
    }
  });

  it('keeps stores of two schemas on one pool apart', async () => {
    const pool = new Pool({ connectionString, max: 2 });
    const a = postgresStore({ pool, schema: freshSchema('wbp') });
    const b = postgresStore({ pool, schema: freshSchema('wbp') });
    try {
      await a.documents.put('carts', 'c-1', { owner: 'a' });
      await b.documents.put('carts', 'c-1', { owner: 'b' });
      await a.checkpoints.compareAndSet('p', undefined, at(1));
      await b.checkpoints.compareAndSet('p', undefined, at(2));
      expect((await a.documents.get('carts', 'c-1'))?.data).toEqual({ owner: 'a' });
      expect((await b.documents.get('carts', 'c-1'))?.data).toEqual({ owner: 'b' });
      expect((await a.checkpoints.get('p'))?.position).toEqual(at(1));
      expect((await b.checkpoints.get('p'))?.position).toEqual(at(2));
    } finally {
      await a.close();
      await b.close();
      await pool.end();
    }
  });

  it('keeps working when the schema is dropped and migrated again under prepared statements', async () => {
    const pool = new Pool({ connectionString, max: 1 });
    const schema = freshSchema('wbp');
    const first = postgresStore({ pool, schema });
    try {
      await first.documents.put('carts', 'c-1', { items: 1 });
      expect(await preparedCount(pool)).toBeGreaterThan(0);
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      const second = postgresStore({ pool, schema });
      await second.documents.put('carts', 'c-1', { items: 7 });
      expect((await second.documents.get('carts', 'c-1'))?.data).toEqual({ items: 7 });
      await second.close();
    } finally {
      await first.close();
      await pool.end();
    }
  });
});
