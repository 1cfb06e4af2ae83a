// Test plumbing: the server from the environment, and a throw-away schema per store.
import { Client } from 'pg';
import { realService, tcpProxy } from '@whizbang/testing';

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

/**
 * `url` through a local proxy that delays every packet by `oneWayMs` each way, so a round trip
 * costs far more than the work and round trips can be counted by the clock: `roundTrips(call)`
 * is how many a call took.
 */
export async function delayedConnection(
  url: string,
  oneWayMs: number,
): Promise<{
  readonly url: string;
  readonly roundTrips: (call: () => Promise<unknown>) => Promise<number>;
  readonly close: () => Promise<void>;
}> {
  const target = new URL(url);
  const proxy = await tcpProxy(
    { host: target.hostname, port: Number(target.port || 5432) },
    { delayMs: oneWayMs },
  );
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return {
    url: proxied.toString(),
    roundTrips: async (call) => {
      const start = performance.now();
      await call();
      return (performance.now() - start) / (2 * oneWayMs);
    },
    close: () => proxy.close(),
  };
}
