/**
 * How the PostgreSQL ports run SQL: outside a transaction on the pool (a multi-statement
 * write takes its own transaction); inside one, every statement on the transaction's client.
 * In strict tenancy, a port first asks for the executor of its call's tenant (`forTenant`),
 * whose statements run in transactions bound to that tenant, or declares its call tenant-less
 * (`untenanted`), which a strict store refuses.
 */
import { StateError } from '@whizbang/core';
import type { PgQueryable, PgResult, PgSession } from './config.js';
import type { Database, QueryOptions } from './database.js';
import { bindTenantSql, refusedInStrictMode } from './strict-tenancy.js';

/** Runs one statement; a function, not a method, so it can be handed on. */
export type Query = (text: string, values?: readonly unknown[], options?: QueryOptions) => Promise<PgResult>;

export interface Executor {
  readonly db: Database;
  readonly query: Query;
  /** Runs `fn` atomically: its own transaction, or the surrounding one. */
  atomically<T>(fn: (q: PgQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` all or nothing: in its own transaction, or within the surrounding one behind a
   * savepoint, so that an error thrown by `fn` (say, a failed version check found after a
   * write) undoes its statements and leaves the surrounding transaction usable.
   */
  isolated<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  /** Called after an append succeeded: announced now, or when the surrounding transaction commits. */
  appended(): void;
  /**
   * The executor for statements of one tenant: this one, except in strict tenancy, where each
   * of its statements runs in a transaction bound to the tenant (inside `store.transaction`,
   * the transaction's one tenant; a second tenant throws).
   */
  forTenant(tenantId: string): Executor;
  /**
   * The executor for a call that spans tenants or has none (checkpoints, leases, a relay's
   * claim, schema changes): this one, except in strict tenancy, which refuses it.
   */
  untenanted(subject: string): Executor;
}

/** What a `store.transaction` shares with its executors. */
export interface TransactionScope {
  active: boolean;
  appended: boolean;
  /** Strict tenancy: the tenant of the transaction's first call, and its binding. */
  tenantId?: string;
  bound?: Promise<unknown>;
}

export function poolExecutor(db: Database): Executor {
  const executor: Executor = {
    db,
    query: (text, values, options) => db.query(text, values, options),
    atomically: (fn) => db.transaction(fn),
    isolated: (fn) => db.transaction((client) => fn(queryOn(db, client))),
    appended: () => db.announceAppend(),
    forTenant: (tenantId) => (db.strict ? tenantExecutor(db, tenantId) : executor),
    untenanted: (subject) => {
      if (db.strict) throw refusedInStrictMode(subject);
      return executor;
    },
  };
  return executor;
}

/** Strict tenancy outside `store.transaction`: every statement in a transaction of its own, bound to the tenant. */
function tenantExecutor(db: Database, tenantId: string): Executor {
  const executor: Executor = {
    db,
    query: (text, values, options) =>
      db.transaction((client) => queryOn(db, client)(text, values, options), tenantId),
    atomically: (fn) => db.transaction(fn, tenantId),
    isolated: (fn) => db.transaction((client) => fn(queryOn(db, client)), tenantId),
    appended: () => db.announceAppend(),
    forTenant: (other) => (other === tenantId ? executor : tenantExecutor(db, other)),
    untenanted: (subject) => {
      throw refusedInStrictMode(subject);
    },
  };
  return executor;
}

export function transactionExecutor(db: Database, client: PgSession, scope: TransactionScope): Executor {
  return transactionOn(db, client, scope, undefined);
}

/** `bind` (strict tenancy) binds the transaction to its tenant before the first statement. */
function transactionOn(
  db: Database,
  client: PgSession,
  scope: TransactionScope,
  bind: (() => Promise<unknown>) | undefined,
): Executor {
  const query = queryOn(db, client);
  const check = async () => {
    db.assertOpen();
    if (!scope.active)
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
    if (bind) await bind();
  };
  const executor: Executor = {
    db,
    query: async (text, values, options) => {
      await check();
      return query(text, values, options);
    },
    async atomically(fn) {
      await check();
      return fn(client);
    },
    forTenant(tenantId) {
      if (!db.strict) return executor;
      if (scope.tenantId !== undefined && scope.tenantId !== tenantId)
        throw new StateError(
          `A strict-tenancy transaction serves one tenant: it began with tenant '${scope.tenantId}', ` +
            `and a call for tenant '${tenantId}' cannot join it`,
        );
      scope.tenantId = tenantId;
      // pg runs a client's queries in order, so the binding goes first even if calls overlap.
      return transactionOn(
        db,
        client,
        scope,
        () => (scope.bound ??= client.query(bindTenantSql(tenantId, false))),
      );
    },
    untenanted(subject) {
      if (db.strict) throw refusedInStrictMode(subject);
      return executor;
    },
    async isolated(fn) {
      await check();
      await client.query('SAVEPOINT whizbang_isolated');
      try {
        // Not released on success: the savepoint ends with the transaction, and a later one of
        // the same name is the one rolled back to. One round trip fewer on every call.
        return await fn(query);
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT whizbang_isolated');
        throw error;
      }
    },
    appended: () => {
      scope.appended = true;
    },
  };
  return executor;
}

function queryOn(db: Database, client: PgSession): Query {
  return (text, values, options) =>
    options?.prepared ? client.query(db.prepared(text, values)) : client.query(text, values);
}

/** For `query`: run as a named prepared statement (lookups and writes by key). */
export const PREPARED: QueryOptions = { prepared: true };

/**
 * Holds `keys` of `scope` until the transaction ends (transaction-level advisory locks, taken
 * in one order so that two writers never wait for each other in a circle). A key need not
 * exist: two transactions about to create the same document wait for each other too. The
 * read that follows, a statement of its own, sees what the transaction waited for committed.
 */
export async function lockKeys(executor: Executor, scope: string, keys: readonly string[]): Promise<void> {
  await executor.query(
    `SELECT pg_advisory_xact_lock(k) FROM (
       SELECT DISTINCT hashtextextended($1 || chr(31) || key, 0) AS k FROM unnest($2::text[]) AS key) AS keys
     ORDER BY k`,
    [scope, keys],
    PREPARED,
  );
}
