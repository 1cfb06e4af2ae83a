/**
 * How the PostgreSQL ports run SQL: outside a transaction on the pool (a multi-statement
 * write takes its own transaction); inside one, every statement on the transaction's client.
 * In strict tenancy, a port first asks for the executor of its call's tenant (`forTenant`),
 * whose statements run in transactions bound to that tenant, or declares that its call spans
 * tenants (`acrossTenants`) or changes the schema (`schemaChange`), which a strict store refuses.
 */
import { StateError } from '@whizbang/core';
import type { PgQueryable, PgResult, PgSession } from './config.js';
import type { Database, QueryOptions } from './database.js';
import { bindTenantSql, crossTenantCall, schemaChangeInStrictMode } from './strict-tenancy.js';
import { afterOpening, type TransactionOpening } from './transaction-opening.js';

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
   * The executor for `operation` (e.g. `documents.get`) on one tenant: this one, except in
   * strict tenancy, where each of its statements runs in a transaction bound to the tenant
   * (inside `store.transaction`, the transaction's one tenant; another throws
   * CrossTenantAccessError).
   */
  forTenant(tenantId: string, operation: string): Executor;
  /**
   * `forTenant` for a batch naming `tenantIds` (at least one): in strict tenancy, a batch of
   * several tenants throws CrossTenantAccessError, since a statement serves one.
   */
  forTenants(tenantIds: readonly string[], operation: string): Executor;
  /**
   * The executor for a call that spans every tenant or has none (checkpoints, leases, a relay's
   * claim, the global log): this one, except in strict tenancy, which refuses it with
   * CrossTenantAccessError.
   */
  acrossTenants(operation: string): Executor;
  /** The executor for a schema change (DDL): this one, except in strict tenancy (StateError). */
  schemaChange(operation: string): Executor;
}

/** What a `store.transaction` shares with its executors. */
export interface TransactionScope {
  active: boolean;
  appended: boolean;
  /** Opens the transaction with its first statement. */
  readonly opening: TransactionOpening;
  /** Strict tenancy: the tenant of the transaction's first tenant-bearing call, and its binding. */
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
    forTenants: (tenantIds, operation) => {
      if (!db.strict) return executor;
      refuseMixed(tenantIds, operation, undefined);
      return tenantExecutor(db, tenantIds[0]!);
    },
    acrossTenants: (operation) => {
      if (db.strict) throw crossTenantCall(operation, undefined);
      return executor;
    },
    schemaChange: (operation) => {
      if (db.strict) throw schemaChangeInStrictMode(operation);
      return executor;
    },
  };
  return executor;
}

/** Throws when a batch names a tenant other than `bound` (or, with none, than its first). */
function refuseMixed(tenantIds: readonly string[], operation: string, bound: string | undefined): void {
  const acting = bound ?? tenantIds[0];
  const other = tenantIds.find((tenantId) => tenantId !== acting);
  if (other !== undefined) throw crossTenantCall(operation, acting, other);
}

/** Strict tenancy outside `store.transaction`: every statement in a transaction of its own, bound to the tenant. */
function tenantExecutor(db: Database, tenantId: string): Executor {
  const executor: Executor = {
    db,
    query: (text, values, options) => db.tenantStatement(tenantId, text, values, options),
    atomically: (fn) => db.transaction(fn, tenantId),
    isolated: (fn) => db.transaction((client) => fn(queryOn(db, client)), tenantId),
    appended: () => db.announceAppend(),
    forTenant: (other) => (other === tenantId ? executor : tenantExecutor(db, other)),
    forTenants: (tenantIds, operation) => {
      refuseMixed(tenantIds, operation, undefined);
      return executor.forTenant(tenantIds[0]!, operation);
    },
    acrossTenants: (operation) => {
      throw crossTenantCall(operation, undefined);
    },
    schemaChange: (operation) => {
      throw schemaChangeInStrictMode(operation);
    },
  };
  return executor;
}

export function transactionExecutor(db: Database, client: PgSession, scope: TransactionScope): Executor {
  return transactionOn(db, client, scope, () => scope.opening.open('BEGIN'));
}

/**
 * The executor of a transaction's statements. `open` runs before each statement is sent: it
 * opens the transaction with the first one (strict tenancy: bound to its tenant in the same
 * round trip) and returns the opening, or the binding, that the statement waits behind.
 */
function transactionOn(
  db: Database,
  client: PgSession,
  scope: TransactionScope,
  open: () => Promise<unknown>,
): Executor {
  const query = queryOn(db, client);
  // Sends a call's statements behind the opening: right behind it on a pipelined connection,
  // after its reply otherwise. Synchronous up to the opening's query, so that a call made
  // after the transaction ended (scope.active false) can never open a new one.
  const behind = async <T>(send: () => Promise<T>): Promise<T> => {
    db.assertOpen();
    if (!scope.active)
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
    const opening = open();
    if (client.pipeline) return afterOpening(opening, send());
    await opening;
    return send();
  };
  const executor: Executor = {
    db,
    query: (text, values, options) => behind(() => query(text, values, options)),
    atomically: (fn) => behind(() => fn(client)),
    forTenant(tenantId, operation) {
      if (!db.strict) return executor;
      if (scope.tenantId !== undefined && scope.tenantId !== tenantId)
        throw crossTenantCall(operation, scope.tenantId, tenantId);
      scope.tenantId = tenantId;
      return transactionOn(db, client, scope, () => {
        // The first statement opens and binds at once; after a tenant-less one (the inbox)
        // opened the transaction, the binding follows, once.
        if (scope.opening.opened === undefined)
          return (scope.bound = scope.opening.open(bindTenantSql(tenantId, true)));
        const begun = scope.opening.open('BEGIN');
        if (scope.bound === undefined) {
          const bind = () => client.query(bindTenantSql(tenantId, false));
          scope.bound = client.pipeline ? afterOpening(begun, bind()) : begun.then(bind);
          scope.bound.catch(() => undefined); // awaited by the statements that follow it
        }
        return scope.bound;
      });
    },
    forTenants(tenantIds, operation) {
      if (!db.strict) return executor;
      refuseMixed(tenantIds, operation, scope.tenantId);
      return executor.forTenant(tenantIds[0]!, operation);
    },
    acrossTenants(operation) {
      if (db.strict) throw crossTenantCall(operation, scope.tenantId);
      return executor;
    },
    schemaChange(operation) {
      if (db.strict) throw schemaChangeInStrictMode(operation);
      return executor;
    },
    isolated: (fn) =>
      behind(async () => {
        // Not released on success: the savepoint ends with the transaction, and a later one of
        // the same name is the one rolled back to. One round trip fewer on every call; on a
        // pipelined connection, fn's first statement travels with the savepoint.
        const saved = client.query('SAVEPOINT whizbang_isolated');
        if (!client.pipeline) await saved;
        try {
          return await (client.pipeline ? afterOpening(saved, fn(query)) : fn(query));
        } catch (error) {
          // No savepoint was made (the transaction had failed already): nothing to roll back to.
          if (
            await saved.then(
              () => false,
              () => true,
            )
          )
            throw error;
          await client.query('ROLLBACK TO SAVEPOINT whizbang_isolated');
          throw error;
        }
      }),
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
