/**
 * How the SQLite ports run statements: outside a transaction each write is its own
 * transaction and reads use the read connection; inside one, both use the transaction's
 * connection, so the transaction sees its own writes and nobody else does until it commits.
 */
import type { DatabaseSync } from 'node:sqlite';
import { StateError } from '@whizbang/core';
import type { Connections } from './connection.js';

/** A write in progress: its connection, and whether it appended (to wake subscribers after commit). */
export interface WriteScope {
  readonly db: DatabaseSync;
  appended: boolean;
}

export interface Executor {
  readonly connections: Connections;
  read<T>(fn: (db: DatabaseSync) => T): Promise<T>;
  write<T>(fn: (scope: WriteScope) => T | Promise<T>): Promise<T>;
}

export function autocommitExecutor(connections: Connections): Executor {
  return {
    connections,
    read: (fn) => connections.read(fn),
    async write(fn) {
      const scope: WriteScope = { db: connections.writer, appended: false };
      const result = await connections.transact(() => fn(scope));
      if (scope.appended) connections.notifyAppend();
      return result;
    },
  };
}

/** Statements of one open transaction; the caller commits and then wakes subscribers. */
export function transactionExecutor(
  connections: Connections,
  scope: WriteScope,
  isActive: () => boolean,
): Executor {
  const check = () => {
    connections.assertOpen();
    if (!isActive())
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
  };
  return {
    connections,
    async read(fn) {
      check();
      return fn(scope.db);
    },
    async write(fn) {
      check();
      return fn(scope);
    },
  };
}
