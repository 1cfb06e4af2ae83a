/**
 * The stores the HTTP suites run on: SQLite in a temporary directory, always, and PostgreSQL in
 * a fresh schema when the server answers (in CI, a missing server fails the run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { Store } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import { realService } from '@whizbang/testing';

export interface OpenStore {
  readonly store: Store;
  /** Closes the store and removes what it stored (the directory, the schema). */
  close(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  open(): Promise<OpenStore>;
}

const POSTGRES_URL = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** SQLite in a temporary directory: for suites about the service rather than its store. */
export const sqlite: Backend = {
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orders-http-'));
    const store = sqliteStore({ path: join(dir, 'orders.db') });
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let schemas = 0;
const postgres: Backend = {
  name: 'postgres',
  open: async () => {
    const schema = `orders_http_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
    const pool = new Pool({ connectionString: POSTGRES_URL, max: 10 });
    const store = postgresStore({ pool, schema });
    await store.migrate();
    return {
      store,
      close: async () => {
        try {
          await store.close();
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await pool.end();
        }
      },
    };
  },
};

/** SQLite, and PostgreSQL when it is reachable. */
export async function storeBackends(): Promise<Backend[]> {
  const url = new URL(POSTGRES_URL);
  const withPostgres = await realService({
    name: 'PostgreSQL',
    host: url.hostname,
    port: Number(url.port || 5432),
  });
  return withPostgres ? [sqlite, postgres] : [sqlite];
}
