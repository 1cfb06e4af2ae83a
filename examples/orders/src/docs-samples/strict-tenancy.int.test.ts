import { Pool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { defineProjection, isCrossTenantAccessError } from '@whizbang/core';
import { realService } from '@whizbang/testing';
import { grant, mixTenants, openStores } from './strict-tenancy.js';

const OWNER_URL = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const owner = new URL(OWNER_URL);
const APP_URL = `postgres://orders_app@${owner.host}${owner.pathname}`;
const available = await realService({
  name: 'PostgreSQL',
  host: owner.hostname,
  port: Number(owner.port || 5432),
});

const counts = defineProjection<{ n: number }>({
  name: 'strict-sample-counts',
  initialState: () => ({ n: 0 }),
  handlers: { Counted: (doc) => ({ n: doc.n + 1 }) },
});

describe.runIf(available)('docs/postgres-strict-tenancy.md samples', () => {
  const admin = new Pool({ connectionString: OWNER_URL, max: 1 });
  const cleanUp = async () => {
    await admin.query('DROP SCHEMA IF EXISTS orders CASCADE');
    const { rowCount } = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = 'orders_app'`);
    if (rowCount) await admin.query('DROP OWNED BY orders_app; DROP ROLE orders_app');
  };
  afterAll(async () => {
    await cleanUp();
    await admin.end();
  });

  it('run on PostgreSQL: the two stores, the grant, and a transaction mixing tenants refused', async () => {
    await cleanUp();
    await admin.query('CREATE ROLE orders_app LOGIN');
    const { app, system } = openStores(APP_URL, OWNER_URL, counts);
    try {
      await system.migrate();
      await grant(OWNER_URL);
      const error = await mixTenants(app, { items: ['p-1'] });
      expect(isCrossTenantAccessError(error)).toBe(true);
      expect(error).toMatchObject({
        tenantId: 'acme',
        requestedTenantId: 'globex',
        operation: 'documents.get',
      });
      expect(await system.documents.get('carts', 'c1', { tenantId: 'acme' })).toBeUndefined();
    } finally {
      await app.close();
      await system.close();
    }
  });
});
