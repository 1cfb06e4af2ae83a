/**
 * The pool, lazy migrations, transactions and the LISTEN connection. Every path that takes a
 * client releases it, and a client whose rollback failed is discarded rather than reused.
 */
import { Pool } from 'pg';
import { StateError } from '@whizbang/core';
import type { PgClient, PgPool, PgQueryConfig, PgSession, PgResult, PostgresStoreOptions } from './config.js';
import { statementName } from './prepared-statements.js';
import { migrate } from './schema/migrations.js';
import { appendChannel, quoteIdent } from './schema/sql.js';
import { bindTenantSql, verifyStrictRole } from './strict-tenancy.js';
import { afterOpening, TransactionOpening } from './transaction-opening.js';

export interface QueryOptions {
  /** Run as a named prepared statement (see `Database.prepared`). */
  readonly prepared?: boolean;
}

/** The most NOTIFYs one store sends for appends, per interval; see `announceAppend`. */
const NOTIFY_INTERVAL_MS = 10;

export class Database {
  readonly pool: PgPool;
  readonly schema: string;
  /** The quoted schema, for SQL text. */
  readonly s: string;
  readonly #owned: boolean;
  readonly #migrate: boolean;
  readonly #prepare: boolean;
  /** Strict tenancy: see `PostgresStoreOptions.tenancy`. */
  readonly strict: boolean;
  /** Connections checked for strict mode; pg hands out the same client object per connection. */
  readonly #verified = new WeakSet<PgClient>();
  #ready: Promise<void> | undefined;
  #closed = false;
  #listener: Promise<PgClient> | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'whizbang';
    this.s = quoteIdent(this.schema);
    this.#migrate = options.migrate !== false;
    this.#prepare = options.preparedStatements !== false;
    if (options.tenancy !== undefined && options.tenancy !== 'owner' && options.tenancy !== 'strict')
      throw new TypeError(
        `postgresStore's tenancy must be 'owner' or 'strict', not '${String(options.tenancy)}'`,
      );
    this.strict = options.tenancy === 'strict';
    if (options.pool) {
      this.pool = options.pool;
      this.#owned = false;
    } else if (options.connectionString) {
      this.pool = new Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        // pg's pipeline mode: a statement is written without waiting for the reply to the one
        // before, so a transaction's BEGIN (strict: with the tenant binding) travels with its
        // first statement and a savepoint with the statement it guards: a projection batch or a
        // unit of work takes two or three round trips fewer. Strict, a lone call's BEGIN,
        // statement and COMMIT are one round trip (see tenantStatement).
        pipeline: true,
      });
      this.#owned = true;
    } else {
      throw new TypeError('postgresStore needs a connectionString or a pool');
    }
  }

  assertOpen(): void {
    if (this.#closed) throw new StateError('The PostgreSQL store is closed');
  }

  /**
   * Migrates once, on first use; a failed attempt is retried by the next call. A strict store
   * never migrates (its role may not change the schema): it checks its role instead.
   */
  ready(): Promise<void> {
    this.assertOpen();
    if (!this.#migrate && !this.strict) return Promise.resolve();
    this.#ready ??= this.withClient(async (client) => {
      if (!this.strict) await migrate(client, this.schema);
    }).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  async migrateNow(): Promise<void> {
    this.assertOpen();
    if (this.strict)
      throw new StateError(
        'A strict-tenancy store does not migrate: migrate with the system store (the owner role)',
      );
    await this.withClient((client) => migrate(client, this.schema));
  }

  async query(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<PgResult> {
    await this.ready();
    const run = (session: PgSession) => this.run(session, text, values, options);
    // Strict: on a checked connection, never one the pool picks unseen.
    return this.strict ? this.withClient(run) : run(this.pool);
  }

  /** Sends one statement on `session`, prepared when `options` ask for it. */
  run(
    session: PgSession,
    text: string,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<PgResult> {
    return options?.prepared ? session.query(this.prepared(text, values)) : session.query(text, values);
  }

  /**
   * A statement to run prepared: parsed and planned once per connection rather than at every
   * call. Only for statements whose best plan does not depend on their values (lookups and
   * writes by key): a prepared statement may settle on one generic plan for all values. Saves
   * ~0.2-0.9 ms of planning per statement; a projection batch runs four of them.
   */
  prepared(text: string, values?: readonly unknown[]): PgQueryConfig {
    return this.#prepare
      ? { name: statementName(text), text, ...(values && { values }) }
      : { text, ...(values && { values }) };
  }

  async withClient<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      if (this.strict && !this.#verified.has(client)) {
        await verifyStrictRole(client, this.schema);
        this.#verified.add(client);
      }
      return await fn(client);
    } catch (error) {
      if ((error as { brokenClient?: boolean }).brokenClient) broken = error as Error;
      throw error;
    } finally {
      // A connection never goes back to the pool inside a transaction (in strict mode, one
      // that may still carry its tenant): whatever path left it so, it is discarded.
      const status = client.getTransactionStatus?.();
      if (broken === undefined && status != null && status !== 'I')
        broken = new StateError(
          `A connection was about to return to the pool in transaction state '${status}'`,
        );
      client.release(broken);
    }
  }

  /**
   * Strict tenancy: one statement in a transaction of its own, bound to `tenantId`. On a
   * pipelined connection (the strict store's own pool is one), the opening (`BEGIN` and the
   * binding), the statement and `COMMIT` are written together and answered in one round trip;
   * a failed statement turns that COMMIT into a rollback. Otherwise, three round trips.
   */
  async tenantStatement(
    tenantId: string,
    text: string,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<PgResult> {
    await this.ready();
    return this.withClient(async (client) => {
      if (!client.pipeline)
        return this.#inTransaction(client, (opening) =>
          opening.open(bindTenantSql(tenantId, true)).then(() => this.run(client, text, values, options)),
        );
      const opened = client.query(bindTenantSql(tenantId, true));
      const result = this.run(client, text, values, options);
      const commit = client.query('COMMIT');
      // Every reply is in before the connection can go back to the pool.
      const failed = (await Promise.allSettled([opened, result, commit])).find(
        (settled) => settled.status === 'rejected',
      );
      if (failed) throw failed.reason;
      committed(await commit);
      return result;
    });
  }

  /**
   * Runs `fn` in one transaction on one client. With a tenant (strict mode), its BEGIN binds the
   * transaction to it; on a pipelined connection, it is sent with `fn`'s first statement.
   */
  transaction<T>(fn: (client: PgSession) => Promise<T>, tenantId?: string): Promise<T> {
    return this.deferredTransaction((client, opening) => {
      const opened = opening.open(tenantId === undefined ? 'BEGIN' : bindTenantSql(tenantId, true));
      return client.pipeline ? afterOpening(opened, fn(client)) : opened.then(() => fn(client));
    });
  }

  /**
   * Runs `fn` on one client, in a transaction that `fn` opens with its first statement
   * (`opening.open`); one it never opens is neither committed nor rolled back. Once `fn` has
   * settled, nothing can open it any more.
   */
  async deferredTransaction<T>(
    fn: (client: PgSession, opening: TransactionOpening) => Promise<T>,
  ): Promise<T> {
    await this.ready();
    return this.withClient((client) => this.#inTransaction(client, (opening) => fn(client, opening)));
  }

  async #inTransaction<T>(client: PgSession, fn: (opening: TransactionOpening) => Promise<T>): Promise<T> {
    const opening = new TransactionOpening(client);
    try {
      const result = await fn(opening);
      opening.close();
      if (opening.opened !== undefined) {
        await opening.opened;
        committed(await client.query('COMMIT'));
      }
      return result;
    } catch (error) {
      opening.close();
      if (opening.opened === undefined) throw error;
      // A failed opening explains the failures that followed it.
      const cause = await opening.opened.then(
        () => error,
        (failed: unknown) => failed,
      );
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection is in an unknown state: make withClient discard it.
        Object.assign(cause as object, { brokenClient: true });
      }
      throw cause;
    }
  }

  #notifyTimer: NodeJS.Timeout | undefined;
  #lastNotify = 0;

  /**
   * After a commit that appended: wake this process's subscribers at once, and tell other
   * processes with a NOTIFY sent after the commit, at most one per NOTIFY_INTERVAL_MS (the
   * first append of a quiet spell is announced at once, the rest of a burst by one trailing
   * NOTIFY). A NOTIFY inside the append transaction would make every committing appender queue
   * on PostgreSQL's global notify lock (measured: 16 concurrent appenders ran 3x slower), and one
   * NOTIFY per append cost sequential appends ~8 %. If this process dies before it notifies,
   * other subscribers find the events by polling.
   */
  announceAppend(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
    if (this.#notifyTimer !== undefined || this.#closed) return;
    const wait = Math.max(0, this.#lastNotify + NOTIFY_INTERVAL_MS - Date.now());
    this.#notifyTimer = setTimeout(() => void this.#notify(), wait);
    this.#notifyTimer.unref();
  }

  #notify(): Promise<unknown> {
    this.#notifyTimer = undefined;
    this.#lastNotify = Date.now();
    // A NOTIFY commits a transaction of its own; its commit need not wait for the WAL flush
    // (a wake-up lost in a crash is covered by polling).
    return this.pool
      .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')", [
        appendChannel(this.schema),
      ])
      .catch(() => undefined);
  }

  /** Resolves at the next append announced by this or another process (or when cancelled). */
  nextAppend(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.#waiters.add(wake);
    this.#listen().catch(() => undefined); // polling still covers a missing listener
    return { promise, cancel: () => (this.#waiters.delete(wake), wake()) };
  }

  #listen(): Promise<PgClient> {
    this.#listener ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', () => {
        const waiters = [...this.#waiters];
        this.#waiters.clear();
        for (const wake of waiters) wake();
      });
      client.on('error', () => {
        // A dropped LISTEN connection: forget it, the next subscriber reconnects; polling bridges the gap.
        this.#listener = undefined;
        client.release(true);
      });
      await client.query(`LISTEN "${appendChannel(this.schema)}"`);
      return client;
    })().catch((error: unknown) => {
      this.#listener = undefined;
      throw error;
    });
    return this.#listener;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#notifyTimer !== undefined) {
      // Appends of the last burst are announced before the pool goes.
      clearTimeout(this.#notifyTimer);
      await this.#notify();
    }
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    const listener = await this.#listener?.catch(() => undefined);
    if (listener) {
      await listener.query(`UNLISTEN "${appendChannel(this.schema)}"`).catch(() => undefined);
      listener.release();
    }
    await this.#ready?.catch(() => undefined);
    if (this.#owned) await this.pool.end();
  }
}

/**
 * Throws unless `COMMIT` committed. PostgreSQL answers COMMIT in a transaction that a failed
 * statement aborted with the tag `ROLLBACK` and no error: a caller that caught that statement's
 * error (or never awaited it) would otherwise be told its work was saved when none of it was.
 */
function committed(result: PgResult): void {
  if (result.command === 'ROLLBACK')
    throw new StateError(
      'The transaction was rolled back at COMMIT: one of its statements had failed (an error caught or not awaited inside the transaction); nothing of it was saved',
    );
}
