import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import { defineCollection, type FindOptions } from '@whizbang/core';
import { checkFind } from '@whizbang/core/driver';
import { findStatement } from './postgres-documents.js';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

const Orders = defineCollection('orders', {
  fields: { status: 'string', total: 'number', 'customer.id': 'string', paid: 'boolean' },
  indexes: [['customer.id', 'total'], ['status'], ['paid']],
});

describe.runIf(available)('postgres: declared document indexes', () => {
  afterAll(() => dropSchemas());

  it('are the ones the planner uses for filters and sorts on the declared fields', async () => {
    const schema = freshSchema();
    const store = postgresStore({ connectionString, schema, maxConnections: 2 });
    const pool = new Pool({ connectionString, max: 1 });
    try {
      await store.migrate();
      await store.documents.createIndexes(Orders);
      const plan = async (options: FindOptions) => {
        const { text, params } = findStatement(`"${schema}"`, checkFind(Orders, options));
        const client = await pool.connect();
        try {
          // A tiny table is cheaper to scan; forbid that so the plan shows what the index can serve.
          await client.query('SET enable_seqscan = off');
          const { rows } = await client.query(`EXPLAIN ${text}`, params);
          return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
        } finally {
          client.release();
        }
      };
      const { rows } = await pool.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'documents_ix_%'`,
        [schema],
      );
      expect(rows).toHaveLength(3);
      expect(await plan({ where: { 'customer.id': 'c1' }, orderBy: ['total'] })).toMatch(
        /Index \w* ?Scan .*documents_ix_/,
      );
      expect(await plan({ where: { status: { in: ['open', 'paid'] } } })).toMatch(/documents_ix_/);
      expect(await plan({ where: { paid: true } })).toMatch(/documents_ix_/);
      // Another collection's documents are outside the partial index.
      expect(await plan({ where: { status: 'open' } })).toMatch(/documents_ix_/);
      const other = findStatement(`"${schema}"`, checkFind('other', { where: { status: 'open' } }));
      const client = await pool.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const { rows: otherPlan } = await client.query(`EXPLAIN ${other.text}`, other.params);
        expect(JSON.stringify(otherPlan)).not.toMatch(/documents_ix_/);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
      await store.close();
    }
  });
});
