/**
 * @whizbang/sqlite: the embedded store on `node:sqlite`. Events, documents, checkpoints,
 * leases, snapshots, dead letters and SQL read-model tables in one file, WAL mode, one writer;
 * passes the same conformance suite as every driver.
 * @module
 */
export { sqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './config.js';
export { migrations, type Migration } from './schema/migrations.js';
