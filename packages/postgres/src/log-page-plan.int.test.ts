import { afterAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { logPageStatement } from './postgres-events.js';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

describe.runIf(available)('postgres: the global log page query', () => {
  afterAll(() => dropSchemas('wbl'));

  it('walks the log-order index and stops at the page size, even without statistics', async () => {
    const schema = freshSchema('wbl');
    const store = postgresStore({ connectionString, schema, maxConnections: 2 });
    const client = new Client({ connectionString });
    await client.connect();
    try {
      await store.migrate();
      // A bulk load of 100,000 events and no ANALYZE: what a daemon meets right after an import
      // or a restore (autovacuum analyzes only later, if it is on at all).
      await client.query(
        `INSERT INTO "${schema}".events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata)
         SELECT 'default', 's-' || (g % 1000), g / 1000 + 1, gen_random_uuid()::text,
                CASE WHEN g % 2 = 0 THEN 'Deposited' ELSE 'Withdrawn' END, 1, '{}', '{}'
           FROM generate_series(0, 99999) AS g`,
      );
      const plan = async (types: string[] | null, partition: [number, number] | null) => {
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${logPageStatement(`"${schema}"`)}`, [
          '0',
          '0',
          '999999999',
          '999999999',
          types,
          null,
          null,
          500,
          partition?.[0] ?? null,
          partition?.[1] ?? null,
        ]);
        return JSON.stringify(rows[0]);
      };
      for (const shape of [
        await plan(['Deposited'], null),
        await plan(['Deposited'], [4, 1]),
        await plan(null, [4, 3]),
      ]) {
        expect(shape).toContain('"Index Name":"events_log_order"');
        expect(shape).not.toContain('"Node Type":"Sort"');
      }
    } finally {
      await client.end();
      await store.close();
    }
  });
});
