/**
 * A transaction opened by its first statement rather than ahead of it, so that BEGIN (in strict
 * tenancy, with the tenant's binding) travels with that statement: on a pipelined connection
 * both go in one round trip, and on any connection no JavaScript turn separates them.
 */
import { StateError } from '@whizbang/core';
import type { PgSession } from './config.js';

export class TransactionOpening {
  readonly #client: PgSession;
  #opened: Promise<unknown> | undefined;
  #closed = false;

  constructor(client: PgSession) {
    this.#client = client;
  }

  /** The statement that opened the transaction, once one has; undefined while it is not open. */
  get opened(): Promise<unknown> | undefined {
    return this.#opened;
  }

  /**
   * Opens the transaction with `sql` unless it is open already, and returns the opening. The
   * query is sent at once (pg keeps a client's queries in order), so a statement sent right
   * after it runs inside the transaction. After `close()` it throws: a transaction that ended
   * never restarts on a connection that may be back in the pool.
   */
  open(sql: string): Promise<unknown> {
    if (this.#closed)
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
    if (this.#opened === undefined) {
      const opened = this.#client.query(sql);
      // Whoever awaits the opening sees its failure; an opening nobody awaits must not crash the process.
      opened.catch(() => undefined);
      this.#opened = opened;
    }
    return this.#opened;
  }

  close(): void {
    this.#closed = true;
  }
}

/**
 * Waits for a statement (or several) sent right after the opening of their transaction, and
 * for the opening. Both settle before this does, so nothing runs on the connection unawaited;
 * the opening's failure wins, since the statement's is then only its consequence.
 */
export async function afterOpening<T>(opened: Promise<unknown>, work: Promise<T>): Promise<T> {
  const [opening, result] = await Promise.allSettled([opened, work]);
  if (opening.status === 'rejected') throw opening.reason;
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
