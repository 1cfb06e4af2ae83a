/** Options of the SQLite store. */
import type { StoreOptions } from '@whizbang/core';

export interface SqliteStoreOptions extends StoreOptions {
  /** A file path, or `':memory:'` for a private temporary database, removed on close. */
  readonly path: string;
  /** How long a writer waits for another process's write lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * `'full'` (default) makes every acknowledged append survive power loss; `'normal'` survives
   * a process crash but may lose the last commits on power loss, for a faster append.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Run migrations when the store opens (default true). */
  readonly migrate?: boolean;
  /** How often `subscribe` looks for appends made by other processes, in ms (default 250). */
  readonly pollIntervalMs?: number;
}
