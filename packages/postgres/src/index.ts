/**
 * @whizbang/postgres: the PostgreSQL store on `pg`. One-round-trip appends, a gap-safe global
 * log ordered by (transaction id, position), NOTIFY wake-ups with polling as the fallback.
 * SQL read models are real tables in the store's schema. Strict tenancy (`tenancy: 'strict'`)
 * puts every tenant's rows behind PostgreSQL's row-level security.
 * Passes the same conformance suite as every driver.
 * @module
 */
export { postgresStore, type BlockingTransaction, type PostgresStore } from './postgres-store.js';
export type {
  PgClient,
  PgPool,
  PgQueryable,
  PgQueryConfig,
  PgResult,
  PgSession,
  PostgresStoreOptions,
} from './config.js';
export { migrations, type Migration } from './schema/migrations.js';
export { grantApplicationRole, type GrantApplicationRoleOptions } from './grant-application-role.js';
