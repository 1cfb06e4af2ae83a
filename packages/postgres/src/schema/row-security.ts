/**
 * The row-level security of a tenant-bearing table, for SQL read-model tables created after the
 * migrations (migration 4 holds its own frozen copy, for the tables it protects). The policy binds
 * only roles that are neither the owner nor superuser nor BYPASSRLS: a strict store's role.
 */
import { TENANT_SETTING } from './sql.js';

/** The policy's name on every tenant-bearing table. */
export const TENANT_POLICY = 'tenant_isolation';

/** Enables row-level security on `table` (schema-qualified, quoted) with the tenant policy. */
export function tenantPolicySql(table: string): string {
  const matches = `tenant_id = current_setting('${TENANT_SETTING}', true)`;
  return `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY ${TENANT_POLICY} ON ${table} USING (${matches}) WITH CHECK (${matches})`;
}
