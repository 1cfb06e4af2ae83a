/**
 * Options of the PostgreSQL store, and the narrow shape of a `pg` pool it needs. The driver
 * never requires the user's `pg` version: any pool with this shape works.
 */
import type { StoreOptions } from '@whizbang/core';

export interface PgResult {
  readonly rows: any[];
  readonly rowCount: number | null;
  /** The statement's command tag (`INSERT`, `COMMIT`…): a COMMIT that rolled back says `ROLLBACK`. */
  readonly command?: string;
}

/** A statement with a name is parsed and planned once per connection and then reused. */
export interface PgQueryConfig {
  readonly name?: string;
  readonly text: string;
  readonly values?: readonly unknown[];
}

export interface PgQueryable {
  query(text: string, values?: readonly unknown[]): Promise<PgResult>;
}

/** A `pg` client or pool: it also runs named (prepared) statements. */
export interface PgSession extends PgQueryable {
  /**
   * pg's pipeline mode: queries are written without waiting for the previous reply. Only then
   * may a query be sent before the previous one settled (pg 9 refuses it otherwise).
   */
  readonly pipeline?: boolean;
  query(text: string, values?: readonly unknown[]): Promise<PgResult>;
  query(config: PgQueryConfig): Promise<PgResult>;
}

export interface PgClient extends PgSession {
  release(error?: Error | boolean): void;
  /** pg's view of the session after the last reply: `'I'` idle, `'T'` in a transaction, `'E'` in a failed one. */
  getTransactionStatus?(): string | null;
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string | undefined }) => void,
  ): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PgPool extends PgSession {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

export interface PostgresStoreOptions extends StoreOptions {
  /** A connection string; the store then owns its pool and ends it on close. */
  readonly connectionString?: string;
  /**
   * Your own pool (`new pg.Pool(...)`); the store never ends it. A pool of your own making must
   * also take `query({ name, text, values })`, as pg's does, or set `preparedStatements: false`.
   * `new pg.Pool({ ..., pipeline: true })` lets a transaction's statements share round trips
   * (and, for a strict store, a call's), as in the pool the store makes; any pool works
   * without it, in more round trips.
   */
  readonly pool?: PgPool;
  /** The schema holding Whizbang's tables (default `whizbang`). */
  readonly schema?: string;
  /** Pool size when the store makes the pool (default 10). */
  readonly maxConnections?: number;
  /** Run migrations on first use (default true). */
  readonly migrate?: boolean;
  /** How often `subscribe` polls when no notification arrives, in ms (default 500). */
  readonly pollIntervalMs?: number;
  /**
   * Run the hot fixed-shape statements (document and checkpoint reads and writes by key) as
   * named prepared statements, planned once per connection (default true). Set it to false
   * behind a pooler that cannot carry prepared statements across server connections, such as
   * PgBouncer before 1.21 in transaction mode.
   */
  readonly preparedStatements?: boolean;
  /**
   * `'owner'` (the default): the store connects as the tables' owner (or a superuser), which
   * row-level security does not bind; it serves every tenant and runs migrations, the projection
   * daemon, outbox relays and sagas. `'strict'`: the application's store, connected with a role
   * that is neither owner nor superuser nor BYPASSRLS; every statement runs in a transaction
   * bound to its call's tenant (`SET LOCAL whizbang.tenant_id`), so PostgreSQL's policies let
   * it see and write that tenant's rows only. A strict store refuses calls that span tenants or
   * have none (CrossTenantAccessError), never migrates, and refuses to run at all with a role
   * that bypasses the policies (StateError). Its own pool runs pg in pipeline mode (as every
   * store's does), so a call's BEGIN, tenant binding, statement and COMMIT travel in one round trip.
   * See docs/postgres-strict-tenancy.md.
   */
  readonly tenancy?: 'owner' | 'strict';
}
