import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import type { PgPool, PgQueryConfig } from './config.js';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

// The projection daemon's hot path: each bulk call is one statement, whatever its size.
describe.runIf(available)('postgres: bulk documents', () => {
  afterAll(() => dropSchemas('wbb'));

  it('writes, reads and deletes the largest batch in one round trip each', async () => {
    const pool = new Pool({ connectionString, max: 2 });
    const statements: string[] = [];
    const counting: PgPool = {
      query: ((statement: string | PgQueryConfig, values?: readonly unknown[]) => {
        if (typeof statement === 'string') {
          statements.push(statement);
          return pool.query(statement, values as unknown[]);
        }
        statements.push(statement.text);
        return pool.query({ ...statement, values: statement.values as unknown[] });
      }) as PgPool['query'],
      connect: () => pool.connect(),
      end: () => pool.end(),
    };
    const store = postgresStore({ pool: counting, schema: freshSchema('wbb') });
    try {
      await store.migrate();
      const documents = Array.from({ length: 10_000 }, (_, i) => ({ id: `d-${i}`, data: { n: i } }));
      const ids = documents.map((d) => d.id);
      statements.length = 0;
      await store.documents.putMany('counts', documents);
      await store.documents.putMany('counts', documents.slice(0, 10));
      const read = await store.documents.getMany('counts', ids.toReversed());
      expect(await store.documents.deleteMany('counts', ids.slice(5_000))).toBe(5_000);
      expect(statements).toHaveLength(4);
      expect(read).toHaveLength(10_000);
      expect(read[0]).toEqual({ id: 'd-9999', version: 1, data: { n: 9999 } });
      expect(read.at(-1)).toEqual({ id: 'd-0', version: 2, data: { n: 0 } });
      expect(await store.documents.count('counts')).toBe(5_000);
    } finally {
      await store.close();
      await pool.end();
    }
  });
});
