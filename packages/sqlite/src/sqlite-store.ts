/**
 * The SQLite store: the embedded default. One file (or `:memory:`), WAL mode, one writer;
 * commit order equals position order, so the global log has no gaps to guard against.
 */
import type { Store, StoreSession } from '@whizbang/core';
import { EventCodec } from '@whizbang/core/driver';
import type { SqliteStoreOptions } from './config.js';
import { Connections } from './connection.js';
import { autocommitExecutor, transactionExecutor, type Executor, type WriteScope } from './executor.js';
import { migrate } from './schema/migrations.js';
import { SqliteCheckpoints } from './sqlite-checkpoints.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteInbox } from './sqlite-inbox.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { SqliteDocuments } from './sqlite-documents.js';
import { SqliteEventStore, type EventStoreSettings } from './sqlite-events.js';
import { SqliteSnapshots } from './sqlite-snapshots.js';
import { SqliteTables } from './sqlite-tables.js';

function session(executor: Executor, settings: EventStoreSettings): StoreSession {
  return {
    events: new SqliteEventStore(executor, settings),
    documents: new SqliteDocuments(executor),
    checkpoints: new SqliteCheckpoints(executor),
    snapshots: new SqliteSnapshots(executor),
    deadLetters: new SqliteDeadLetters(executor),
    outbox: new SqliteOutbox(executor),
    inbox: new SqliteInbox(executor),
    tables: new SqliteTables(executor),
  };
}

/**
 * Opens (creating if needed) a SQLite store and brings its schema up to date.
 * @example
 * const store = sqliteStore({ path: './data/orders.db' });
 * await store.events.appendToStream('order-1', [OrderPlaced(data)], { expectedVersion: 'no_stream' });
 * await store.close();
 */
export function sqliteStore(options: SqliteStoreOptions): Store {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new TypeError("sqliteStore needs a path: a file name or ':memory:'");
  }
  const connections = new Connections(options);
  const settings: EventStoreSettings = {
    codec: new EventCodec(options),
    pollIntervalMs: options.pollIntervalMs ?? 250,
  };
  if (options.migrate !== false) migrate(connections.writer);
  const close = () => connections.close();
  return {
    driver: 'sqlite',
    ...session(autocommitExecutor(connections), settings),
    transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
      let scope: WriteScope | undefined;
      const active = { active: true };
      return connections
        .transact(async (db) => {
          scope = { db, appended: false };
          const tx = session(
            transactionExecutor(connections, scope, () => active.active),
            settings,
          );
          try {
            return await connections.inTransaction.run(active, () => work(tx));
          } finally {
            active.active = false;
          }
        })
        .then((result) => {
          if (scope?.appended) connections.notifyAppend();
          return result;
        });
    },
    async migrate() {
      connections.assertOpen();
      await connections.exclusive(async () => migrate(connections.writer));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
