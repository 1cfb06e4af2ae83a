/**
 * Strict tenancy: PostgreSQL's row-level security, not the application's WHERE clauses, keeps
 * tenants apart. Every tenant-bearing table has a policy matching `tenant_id` against the
 * transaction-local setting `whizbang.tenant_id`; a strict store sets it at the start of each
 * transaction and runs as a role the policies bind. This file holds what strict mode adds: the
 * statement that binds a transaction to a tenant, the check of the role, and the refusal of
 * calls that have no single tenant.
 */
import { escapeLiteral } from 'pg';
import { CrossTenantAccessError, DEFAULT_TENANT, StateError } from '@whizbang/core';
import type { PgQueryable } from './config.js';
import { migrations } from './schema/migrations.js';
import { quoteIdent, TENANT_SETTING } from './schema/sql.js';

/**
 * Binds the running transaction to a tenant, starting it first when `begin`. One simple-protocol
 * round trip: the tenant goes as an escaped literal, since a query with several statements
 * cannot take parameters. Transaction-local (`is_local`), so the tenant ends with the
 * transaction and a pooled connection never carries it to the next user.
 */
export function bindTenantSql(tenantId: string, begin: boolean): string {
  return `${begin ? 'BEGIN; ' : ''}SELECT set_config('${TENANT_SETTING}', ${escapeLiteral(tenantId)}, true)`;
}

const SYSTEM_STORE = "run it on the system store (opened with the tables' owner role, tenancy 'owner')";

/**
 * The error of a call a strict store cannot run for one tenant: it spans every tenant or has
 * none (`requestedTenantId` undefined), or it names a tenant other than `actingTenantId`, the
 * tenant its transaction (or the other messages of its batch) is bound to. With no binding,
 * the acting tenant is `DEFAULT_TENANT`, the tenant of a call that names none. The catalog's
 * message speaks of handlers; this one names what a strict store's caller can do about it.
 */
export function crossTenantCall(
  operation: string,
  actingTenantId: string | undefined,
  requestedTenantId?: string,
): CrossTenantAccessError {
  const error = new CrossTenantAccessError(actingTenantId ?? DEFAULT_TENANT, requestedTenantId, operation);
  error.message =
    requestedTenantId === undefined
      ? `${operation} spans every tenant or has none, which a strict-tenancy store refuses` +
        `${actingTenantId === undefined ? '' : ` (in a transaction bound to tenant '${actingTenantId}')`}: ${SYSTEM_STORE}`
      : `A strict-tenancy store binds each call and transaction to one tenant: this one is bound to tenant ` +
        `'${actingTenantId ?? DEFAULT_TENANT}', and ${operation} for tenant '${requestedTenantId}' cannot join it`;
  return error;
}

/** The error of a schema change (DDL), which a strict store's role may not make. */
export function schemaChangeInStrictMode(operation: string): StateError {
  return new StateError(
    `${operation} changes the schema, which a strict-tenancy store does not: ${SYSTEM_STORE}`,
  );
}

interface RoleRow {
  role: string;
  rolsuper: boolean;
  rolbypassrls: boolean;
  /** Tenant-bearing tables the policies do not bind this role on: owned without FORCE. */
  owned: string[] | null;
  /** Tenant-bearing tables without row-level security. */
  unprotected: string[] | null;
}

/**
 * Refuses (with a StateError) a connection on which row-level security would not bind: a
 * superuser or BYPASSRLS role, the owner of a tenant-bearing table (or a member inheriting its
 * rights) unless the table forces row security, a table without it, or a schema not migrated
 * to this version. Run on every new connection of a strict store, so a pool that hands out
 * connections of another role is caught too.
 */
export async function verifyStrictRole(client: PgQueryable, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  const { rows } = await client.query(
    `SELECT current_user::text AS role, r.rolsuper, r.rolbypassrls,
            array_agg(c.relname::text ORDER BY c.relname)
              FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE') AND NOT c.relforcerowsecurity) AS owned,
            array_agg(c.relname::text ORDER BY c.relname) FILTER (WHERE NOT c.relrowsecurity) AS unprotected
       FROM pg_roles r
       LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = $1)
         ON c.relkind IN ('r', 'p') AND EXISTS (
              SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      WHERE r.rolname = current_user
      GROUP BY r.rolname, r.rolsuper, r.rolbypassrls`,
    [schema],
  );
  const row = rows[0] as RoleRow;
  const refuse = (reason: string) =>
    new StateError(`A strict-tenancy store cannot run as role '${row.role}': ${reason}`);
  if (row.rolsuper) throw refuse('it is a superuser, which row-level security never binds');
  if (row.rolbypassrls) throw refuse('it has BYPASSRLS, so row-level security does not bind it');
  if (row.owned) {
    throw refuse(
      `it owns (or inherits the owner's rights on) ${row.owned.map((t) => `${schema}.${t}`).join(', ')}, ` +
        'and row-level security does not bind a table owner: connect with an application role ' +
        '(see grantApplicationRole)',
    );
  }
  if (row.unprotected)
    throw refuse(
      `${row.unprotected.map((t) => `${schema}.${t}`).join(', ')} lack row-level security: migrate with the system store`,
    );
  const latest = migrations.at(-1)!.version;
  const version = await client.query(`SELECT max(version) AS v FROM ${s}.migrations`).then(
    ({ rows: found }) => (found[0] as { v: number | null }).v ?? 0,
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000')
        throw refuse(`schema '${schema}' is not migrated: migrate it with the system store first`);
      if (code === '42501')
        throw refuse(`it has no rights on schema '${schema}': grant them with grantApplicationRole`);
      throw error;
    },
  );
  if (version < latest)
    throw refuse(
      `schema '${schema}' is at migration ${version}, this version needs ${latest}: migrate it with the system store`,
    );
}
