/**
 * Provisioning of the role a strict-tenancy store connects with: the rights it needs on a
 * schema, and no more. Run with the owner role (the system store's), after or instead of
 * migrating: it migrates first.
 */
import { escapeIdentifier, Pool } from 'pg';
import { StateError } from '@whizbang/core';
import type { PgClient, PgPool } from './config.js';
import { migrate } from './schema/migrations.js';
import { quoteIdent } from './schema/sql.js';

export interface GrantApplicationRoleOptions {
  /** A connection string of the owner role; the pool made for it is ended before returning. */
  readonly connectionString?: string;
  /** Or a pool connected as the owner role; left open. */
  readonly pool?: PgPool;
  /** The schema of the store (default `whizbang`). */
  readonly schema?: string;
  /** The application role, made beforehand (`CREATE ROLE app LOGIN PASSWORD '…'`). */
  readonly role: string;
}

/**
 * Grants `role` what a strict-tenancy store needs on `schema`: USAGE on the schema; SELECT,
 * INSERT, UPDATE and DELETE on every tenant-bearing table (each under row-level security,
 * which it checks), SQL read-model tables made so far included; the inbox (no tenant: message
 * ids); reading the migrations table (a strict store checks the schema's version); the
 * sequences and the append function. Nothing on checkpoints and leases, which only the system
 * store uses. Grants are idempotent: run it again after `tables.migrate` made a new table.
 * Refuses a missing role, a superuser and a BYPASSRLS role, which row-level security never binds.
 * @example
 * await sql`CREATE ROLE orders_app LOGIN PASSWORD 'secret'`; // once, as an administrator
 * await grantApplicationRole({ connectionString: OWNER_URL, schema: 'orders', role: 'orders_app' });
 * const store = postgresStore({ connectionString: APP_URL, schema: 'orders', tenancy: 'strict' });
 */
export async function grantApplicationRole(options: GrantApplicationRoleOptions): Promise<void> {
  const schema = options.schema ?? 'whizbang';
  const s = quoteIdent(schema);
  if (typeof options.role !== 'string' || options.role.length === 0)
    throw new TypeError('grantApplicationRole needs the name of a role');
  const role = escapeIdentifier(options.role);
  let pool = options.pool;
  const owned = pool === undefined;
  if (pool === undefined) {
    if (!options.connectionString)
      throw new TypeError('grantApplicationRole needs a connectionString or a pool');
    pool = new Pool({ connectionString: options.connectionString, max: 1 });
  }
  let client: PgClient | undefined;
  try {
    client = await pool.connect();
    await migrate(client, schema);
    const { rows: roles } = await client.query(
      'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1',
      [options.role],
    );
    const found = roles[0] as { rolsuper: boolean; rolbypassrls: boolean } | undefined;
    if (!found) throw new StateError(`Role '${options.role}' does not exist: create it first`);
    if (found.rolsuper || found.rolbypassrls)
      throw new StateError(
        `Role '${options.role}' is a superuser or has BYPASSRLS: row-level security would not bind it`,
      );
    const { rows: tables } = await client.query(
      `SELECT c.relname::text AS name, c.relrowsecurity AS protected
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND EXISTS (
              SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ORDER BY c.relname`,
      [schema],
    );
    const unprotected = (tables as { name: string; protected: boolean }[]).filter((t) => !t.protected);
    if (unprotected.length > 0)
      throw new StateError(
        `${unprotected.map((t) => `${schema}.${t.name}`).join(', ')} lack row-level security: ` +
          'the application role would see every tenant there',
      );
    const tenantTables = (tables as { name: string }[]).map((t) => `${s}.${escapeIdentifier(t.name)}`);
    await client.query('BEGIN');
    try {
      await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${tenantTables.join(', ')} TO ${role}`);
      await client.query(`GRANT SELECT, INSERT, DELETE ON ${s}.inbox TO ${role}`);
      await client.query(`GRANT SELECT ON ${s}.migrations TO ${role}`);
      await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}`);
      await client.query(
        `GRANT EXECUTE ON FUNCTION ${s}.append_to_stream(text, text, bigint, jsonb) TO ${role}`,
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client?.release();
    if (owned) await pool.end();
  }
}
