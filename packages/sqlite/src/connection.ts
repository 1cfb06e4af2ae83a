/**
 * Connections and the writer lock. SQLite has one writer per database; inside this process
 * the lock queues writers so a transaction that awaits between statements never has another
 * caller's statements run inside it. Across processes `BEGIN IMMEDIATE` and the busy timeout
 * do the same job. Reads use their own connection so they never see a write in progress.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StateError, streamPartition } from '@whizbang/core';
import type { SqliteStoreOptions } from './config.js';

export type Database = DatabaseSync;

/** The SQL function `(stream_id, count) → partition` registered on every connection. */
export const PARTITION_FUNCTION = 'whizbang_stream_partition';

function open(path: string, options: SqliteStoreOptions): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec('PRAGMA foreign_keys = ON');
  // `readAll`'s partition filter, computed where the rows are: the same hash as every driver.
  db.function(PARTITION_FUNCTION, { deterministic: true }, (stream, count) =>
    typeof stream === 'string' && typeof count === 'number' ? streamPartition(stream, count) : null,
  );
  return db;
}

/**
 * `:memory:` becomes a private temporary file, removed on close. A true in-memory database
 * is one connection, so readers would have to wait for a transaction to end (or read its
 * uncommitted writes); a file keeps the WAL semantics: readers never block and never see half
 * a transaction.
 */
function resolvePath(path: string): { path: string; temporary: string | undefined } {
  if (path !== ':memory:') return { path, temporary: undefined };
  const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-'));
  return { path: join(dir, 'store.db'), temporary: dir };
}

export class Connections {
  readonly writer: DatabaseSync;
  readonly #reader: DatabaseSync;
  readonly #temporary: string | undefined;
  readonly #statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();
  readonly inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #appendWaiters = new Set<() => void>();

  constructor(options: SqliteStoreOptions) {
    const { path, temporary } = resolvePath(options.path);
    this.#temporary = temporary;
    this.writer = open(path, options);
    this.#reader = open(path, options);
  }

  assertOpen(): void {
    if (this.#closed) throw new StateError('The SQLite store is closed');
  }

  /** A cached prepared statement for `sql` on `db`. */
  statement(db: DatabaseSync, sql: string): StatementSync {
    let cache = this.#statements.get(db);
    if (!cache) this.#statements.set(db, (cache = new Map()));
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statement.setReadBigInts(true);
      cache.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` alone among this process's writers. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Runs a read on the read connection: it sees committed data only, and never waits for writers. */
  read<T>(fn: (db: DatabaseSync) => T): Promise<T> {
    this.assertOpen();
    return Promise.resolve(fn(this.#reader));
  }

  /** Runs `fn` in one write transaction on the writer connection. */
  transact<T>(fn: (db: DatabaseSync) => T | Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.inTransaction.getStore()?.active) {
      return Promise.reject(
        new StateError('Inside store.transaction(), write through the tx argument, not through the store'),
      );
    }
    return this.exclusive(async () => {
      const db = this.writer;
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(db);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** Resolves at the next append committed by this process (or when cancelled). */
  nextAppend(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.#appendWaiters.add(wake);
    return { promise, cancel: () => (this.#appendWaiters.delete(wake), wake()) };
  }

  notifyAppend(): void {
    const waiters = [...this.#appendWaiters];
    this.#appendWaiters.clear();
    for (const wake of waiters) wake();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Let queued writers finish before the connections go.
    await this.exclusive(async () => undefined);
    this.#closed = true;
    for (const wake of this.#appendWaiters) wake();
    this.#reader.close();
    this.writer.close();
    if (this.#temporary) rmSync(this.#temporary, { recursive: true, force: true });
  }
}
