// Test plumbing: the server from the environment, and a throw-away schema per store.
import { Client } from 'pg';
import { realService } from '@whizbang/testing';

export const connectionString =
  process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when PostgreSQL answers; fails the run in CI when it does not. */
export function postgresAvailable(): Promise<boolean> {
  const url = new URL(connectionString);
  return realService({ name: 'PostgreSQL', host: url.hostname, port: Number(url.port || 5432) });
}

let counter = 0;
/** A schema name unique to this process and call, so parallel test files never share data. */
export function freshSchema(prefix = 'wbt'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** Drops every schema this process created with `freshSchema`. */
export async function dropSchemas(prefix = 'wbt'): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
      [`${prefix}\\_${process.pid}\\_%`],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}
