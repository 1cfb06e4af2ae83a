/**
 * How the PostgreSQL ports run SQL: outside a transaction on the pool (a multi-statement
 * write takes its own transaction); inside one, every statement on the transaction's client.
 */
import { StateError } from '@whizbang/core';
import type { PgQueryable, PgResult, PgSession } from './config.js';
import type { Database, QueryOptions } from './database.js';

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
}

export function poolExecutor(db: Database): Executor {
  return {
    db,
    query: (text, values, options) => db.query(text, values, options),
    atomically: (fn) => db.transaction(fn),
    isolated: (fn) => db.transaction((client) => fn(queryOn(db, client))),
    appended: () => db.announceAppend(),
  };
}

export function transactionExecutor(
  db: Database,
  client: PgSession,
  scope: { readonly active: boolean; appended: boolean },
): Executor {
  const isActive = () => scope.active;
  const query = queryOn(db, client);
  const check = () => {
    db.assertOpen();
    if (!isActive())
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
  };
  return {
    db,
    query: async (text, values, options) => {
      check();
      return query(text, values, options);
    },
    async atomically(fn) {
      check();
      return fn(client);
    },
    async isolated(fn) {
      check();
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
