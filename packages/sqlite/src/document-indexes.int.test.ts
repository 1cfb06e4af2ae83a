import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defineCollection, type FindOptions } from '@whizbang/core';
import { checkFind } from '@whizbang/core/driver';
import { findStatement } from './sqlite-documents.js';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-indexes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Orders = defineCollection('orders', {
  fields: { status: 'string', total: 'number', 'customer.id': 'string', paid: 'boolean' },
  indexes: [['customer.id', 'total'], ['status'], ['paid']],
});

it('sqlite: declared document indexes are the ones the planner uses', async () => {
  const path = join(dir, 'indexes.db');
  const store = sqliteStore({ path });
  await store.migrate();
  await store.documents.createIndexes(Orders);
  await store.documents.createIndexes(Orders);
  await store.close();
  const db = new DatabaseSync(path);
  try {
    const plan = (options: FindOptions, collection: string | typeof Orders = Orders) => {
      const { text, params } = findStatement(checkFind(collection, options));
      return JSON.stringify(db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params));
    };
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'documents_ix_%'`).all()).toHaveLength(
      3,
    );
    expect(plan({ where: { 'customer.id': 'c1' }, orderBy: ['total'] })).toMatch(/USING INDEX documents_ix_/);
    expect(plan({ where: { status: 'open' } })).toMatch(/USING INDEX documents_ix_/);
    expect(plan({ where: { paid: true } })).toMatch(/USING INDEX documents_ix_/);
    expect(plan({ where: { status: 'open' } }, 'other')).not.toMatch(/documents_ix_/);
  } finally {
    db.close();
  }
});
