/** The PostgreSQL every end-to-end suite shares: where it is, a schema per store, and cleanup. */
import { Client } from 'pg';
import { postgresStore } from '@whizbang/postgres';
import { realService } from '@whizbang/testing';

export const postgres = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when PostgreSQL answers; fails the run in CI when it does not. */
export const postgresAvailable = () =>
  realService({ name: 'PostgreSQL', port: Number(new URL(postgres).port || 5432) });

/** Schema names for one test file: `<prefix>_<pid>_<time>`, plus suffixed ones per suite. */
export function schemas(prefix: string) {
  const base = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const made: string[] = [];
  return {
    /** The schema for `suite` (its own, so suites never share data). */
    of(suite: string): string {
      const schema = `${base}_${suite}`;
      made.push(schema);
      return schema;
    },
    /** Opens a migrated store on a schema from `of`. */
    async open(schema: string) {
      const store = postgresStore({ connectionString: postgres, schema });
      await store.migrate();
      return store;
    },
    /** Drops every schema handed out. */
    async drop(): Promise<void> {
      const client = new Client({ connectionString: postgres });
      await client.connect();
      try {
        for (const schema of made) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
