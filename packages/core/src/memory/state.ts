/**
 * The committed state of an in-memory store, and the mutex that makes it a one-writer
 * database: every write runs as a transaction under the lock, so commit order equals position
 * order and the log has no gaps, as in SQLite.
 */

/** An event as kept in memory: data stays JSON text so no caller can mutate stored state. */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly dataJson: string;
  /** Metadata as JSON, for the same reason. */
  readonly metadataJson: string;
  readonly schemaVersion: number;
  readonly tenantId: string;
  readonly stream: string;
  readonly streamVersion: number;
  readonly position: bigint;
  readonly createdAt: Date;
}

export interface StreamRecord {
  readonly tenantId: string;
  readonly stream: string;
  readonly events: StoredEvent[];
  deleted: boolean;
  archived: boolean;
  metadataJson: string;
}

export interface DocumentRecord {
  readonly version: number;
  readonly json: string;
}

export interface CheckpointRecord {
  readonly commit: bigint;
  readonly position: bigint;
  readonly updatedAt: Date;
}

export interface LeaseRecord {
  readonly owner: string;
  readonly epoch: number;
  readonly expiresAt: number;
}

export interface DeadLetterRecord {
  readonly source: string;
  readonly tenantId: string;
  readonly messageId: string;
  readonly messageType: string;
  readonly position: { readonly commit: bigint; readonly position: bigint } | undefined;
  readonly payloadJson: string;
  readonly errorJson: string;
  readonly attempts: number;
  readonly createdAt: number;
}

export interface OutboxRecord {
  /** Insertion order, the tie-break between messages due at the same time. */
  readonly seq: number;
  readonly id: string;
  readonly destination: string;
  readonly type: string;
  readonly body: string;
  readonly headersJson: string;
  readonly key: string | undefined;
  readonly tenantId: string;
  readonly deliverAt: number;
  readonly createdAt: number;
  readonly attempts: number;
  readonly lastError: string | undefined;
  readonly claimedBy: string | undefined;
  readonly claimedUntil: number;
}

/** A table row: its tenant, key and values (JSON columns as JSON text, as a database keeps them). */
export interface TableRowRecord {
  readonly tenantId: string;
  readonly key: string;
  readonly values: Readonly<Record<string, string | number | boolean | null>>;
}

export interface SnapshotRecord {
  readonly version: number;
  readonly schemaVersion: number;
  readonly stateJson: string;
  readonly createdAt: Date;
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { TableDefinition } from '../store/table-definition.js';

export class MemoryState {
  /** Marks code running inside one of this store's transactions. */
  readonly inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  readonly streams = new Map<string, StreamRecord>();
  /** The global log; the event at index i has position i + 1. */
  readonly log: StoredEvent[] = [];
  readonly documents = new Map<string, Map<string, DocumentRecord>>();
  readonly checkpoints = new Map<string, CheckpointRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly leases = new Map<string, LeaseRecord>();
  readonly deadLetters = new Map<string, DeadLetterRecord>();
  readonly outbox = new Map<string, OutboxRecord>();
  /** When each (group, message id) was recorded as handled. */
  readonly inbox = new Map<string, number>();
  outboxSeq = 0;
  /** Migrated tables by name. */
  readonly tableDefinitions = new Map<string, TableDefinition>();
  /** Rows of every table, keyed by table, tenant and key. */
  readonly tableRows = new Map<string, TableRowRecord>();
  readonly #waiters = new Set<() => void>();
  #tail: Promise<unknown> = Promise.resolve();
  closed = false;

  /** Runs `work` alone: writers queue in call order. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves at the next commit that appends events. */
  nextAppend(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.#waiters.add(wake);
    return { promise, cancel: () => (this.#waiters.delete(wake), wake()) };
  }

  notifyAppend(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** Tenant and name joined with a separator no valid name contains. */
export function scopedKey(tenantId: string, name: string): string {
  return `${tenantId}\u0000${name}`;
}
