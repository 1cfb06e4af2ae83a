/**
 * The PostgreSQL store. Its global log is gap-safe by construction: readers stop below the
 * oldest running transaction, so a long transaction holds them back (by design, never by
 * skipping); `blockingTransactions()` names it for health checks and the dashboard.
 */
import type { Store, StoreSession } from '@whizbang/core';
import { EventCodec } from '@whizbang/core/driver';
import type { PostgresStoreOptions } from './config.js';
import { Database } from './database.js';
import { poolExecutor, transactionExecutor, type Executor, type TransactionScope } from './executor.js';
import { PostgresCheckpoints } from './postgres-checkpoints.js';
import { PostgresDeadLetters } from './postgres-dead-letters.js';
import { PostgresDocuments } from './postgres-documents.js';
import { PostgresInbox } from './postgres-inbox.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { PostgresEventStore, type EventStoreSettings } from './postgres-events.js';
import { PostgresSnapshots } from './postgres-snapshots.js';
import { PostgresTables } from './postgres-tables.js';

/** A transaction that holds gap-safe readers back: it has an xid and is still running. */
export interface BlockingTransaction {
  readonly pid: number;
  readonly ageMs: number;
  readonly state: string | null;
  readonly query: string | null;
  readonly applicationName: string | null;
}

export interface PostgresStore extends Store {
  readonly schema: string;
  /** `'strict'` when row-level security binds this store to each call's tenant (see the option). */
  readonly tenancy: 'owner' | 'strict';
  /**
   * Running transactions that hold an xid, oldest first. The oldest one bounds what readers of
   * the global log can see; a long-running one stalls projections until it ends.
   */
  blockingTransactions(options?: { readonly limit?: number }): Promise<BlockingTransaction[]>;
}

function session(executor: Executor, settings: EventStoreSettings): StoreSession {
  return {
    events: new PostgresEventStore(executor, settings),
    documents: new PostgresDocuments(executor),
    checkpoints: new PostgresCheckpoints(executor),
    snapshots: new PostgresSnapshots(executor),
    deadLetters: new PostgresDeadLetters(executor),
    outbox: new PostgresOutbox(executor),
    inbox: new PostgresInbox(executor),
    tables: new PostgresTables(executor),
  };
}

/**
 * Opens a PostgreSQL store. Migrations run on first use (or call `migrate()`).
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL, schema: 'orders' });
 * await store.migrate();
 * await store.events.appendToStream('order-1', [OrderPlaced(data)], { expectedVersion: 'no_stream' });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const db = new Database(options);
  const settings: EventStoreSettings = {
    codec: new EventCodec(options),
    pollIntervalMs: options.pollIntervalMs ?? 500,
  };
  const close = () => db.close();
  return {
    driver: 'postgres',
    schema: db.schema,
    tenancy: db.strict ? 'strict' : 'owner',
    ...session(poolExecutor(db), settings),
    transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
      let appended = false;
      return db
        .deferredTransaction(async (client, opening) => {
          // BEGIN waits for the first statement, to travel with it (strict: bound to its tenant).
          const scope: TransactionScope = { active: true, appended: false, opening };
          try {
            return await work(session(transactionExecutor(db, client, scope), settings));
          } finally {
            scope.active = false;
            appended = scope.appended;
          }
        })
        .then((result) => {
          if (appended) db.announceAppend();
          return result;
        });
    },
    migrate: () => db.migrateNow(),
    async blockingTransactions({ limit = 5 } = {}) {
      const { rows } = await db.query(
        `SELECT pid, EXTRACT(EPOCH FROM (clock_timestamp() - xact_start)) * 1000 AS age_ms, state, query, application_name
           FROM pg_stat_activity
          WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
          ORDER BY xact_start LIMIT $1`,
        [limit],
      );
      return (
        rows as {
          pid: number;
          age_ms: string;
          state: string | null;
          query: string | null;
          application_name: string | null;
        }[]
      ).map((r) => ({
        pid: r.pid,
        ageMs: Math.round(Number(r.age_ms)),
        state: r.state,
        query: r.query,
        applicationName: r.application_name,
      }));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
