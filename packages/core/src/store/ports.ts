/**
 * The store: one object per database that groups the ports every driver implements, and a
 * transaction that spans them.
 */
import type { Upcaster } from '../event-store/upcasters.js';
import type { EventStore, LogPosition } from '../event-store/types.js';
import type { EventDefinition } from '../messages/define.js';
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentPage,
  FindOptions,
} from './document-query.js';

/** A saved aggregate state at a stream version. */
export interface Snapshot<S = unknown> {
  readonly stream: string;
  readonly tenantId: string;
  /** The stream version the state was folded up to. */
  readonly version: number;
  /** The version of the state's shape; a snapshot of another version is ignored on load. */
  readonly schemaVersion: number;
  readonly state: S;
  readonly createdAt: Date;
}

export interface SnapshotStore {
  /** The latest snapshot of a stream, if any. */
  load<S = unknown>(
    stream: string,
    options?: { readonly tenantId?: string },
  ): Promise<Snapshot<S> | undefined>;
  /** Saves (replaces) the stream's snapshot. */
  save<S>(
    snapshot: Omit<Snapshot<S>, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
  ): Promise<void>;
  delete(stream: string, options?: { readonly tenantId?: string }): Promise<void>;
}

/** How far a named reader (projection, reactor, relay) has got in the global log. */
export interface Checkpoint {
  readonly name: string;
  readonly position: LogPosition;
  readonly updatedAt: Date;
}

export interface CheckpointStore {
  get(name: string): Promise<Checkpoint | undefined>;
  /**
   * Moves a checkpoint from `expected` (undefined = not stored yet) to `next`, atomically.
   * @throws CheckpointConflictError when the stored position is not `expected`.
   */
  compareAndSet(name: string, expected: LogPosition | undefined, next: LogPosition): Promise<void>;
  delete(name: string): Promise<void>;
}

/** A stored document with its optimistic version (1 after the first write). */
export interface StoredDocument<T = unknown> {
  readonly id: string;
  readonly version: number;
  readonly data: T;
}

export interface DocumentWriteOptions {
  /** A version number, or `'none'` to require that the document does not exist. */
  readonly expectedVersion?: number | 'none';
  readonly tenantId?: string;
}

/**
 * Read models: JSON documents in named collections, scoped by tenant. A collection is named by
 * a string or by its definition (`defineCollection`), which also types the documents and
 * declares the fields queries sort on and the indexes that serve them.
 */
export interface DocumentStore {
  get<T = unknown>(
    collection: CollectionRef<T>,
    id: string,
    options?: { readonly tenantId?: string },
  ): Promise<StoredDocument<T> | undefined>;
  /** Inserts or replaces; returns the new version. */
  put<T>(collection: CollectionRef<T>, id: string, data: T, options?: DocumentWriteOptions): Promise<number>;
  /**
   * Applies a JSON merge patch (RFC 7396: objects merge, `null` removes a field, anything else
   * replaces) to an existing document; returns the new version. Without an expected version a
   * concurrent write is retried on the fresh document.
   * @throws DocumentNotFoundError when there is no such document.
   */
  patch<T>(
    collection: CollectionRef<T>,
    id: string,
    patch: Readonly<Record<string, unknown>>,
    options?: DocumentWriteOptions,
  ): Promise<number>;
  /** Returns whether a document was deleted. */
  delete(collection: CollectionRef, id: string, options?: DocumentWriteOptions): Promise<boolean>;
  /** Documents in id order, after `after` (keyset paging). */
  list<T = unknown>(
    collection: CollectionRef<T>,
    options?: { readonly after?: string; readonly limit?: number; readonly tenantId?: string },
  ): Promise<StoredDocument<T>[]>;
  /** Documents matching a filter, sorted and paged; see `FindOptions`. */
  find<T = unknown>(collection: CollectionRef<T>, options?: FindOptions): Promise<DocumentPage<T>>;
  /** How many documents match a filter. */
  count(collection: CollectionRef, options?: CountOptions): Promise<number>;
  /** Creates the indexes a collection declares, if missing; safe to call from several processes. */
  createIndexes(collection: CollectionDefinition): Promise<void>;
}

/** The parts of a store that take part in a transaction. */
export interface StoreSession {
  readonly events: EventStore;
  readonly documents: DocumentStore;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
}

/** One store per database. */
export interface Store extends StoreSession, AsyncDisposable {
  /** A short name of the driver, e.g. `'memory'`, `'sqlite'`, `'postgres'`. */
  readonly driver: string;
  /**
   * Runs `work` in one transaction: everything it writes through `tx` commits together, or
   * nothing does if it throws. Other readers never see a part of it.
   * @example
   * await store.transaction(async (tx) => {
   *   await tx.events.appendToStream('order-1', [OrderPlaced(data)], { expectedVersion: 'no_stream' });
   *   await tx.documents.put('orders', 'order-1', summary);
   * });
   */
  transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T>;
  /** Creates or upgrades the storage schema; safe to call more than once. */
  migrate(): Promise<void>;
  /** Releases connections and timers. Further calls throw `StateError`. */
  close(): Promise<void>;
}

/** Options every driver accepts. */
export interface StoreOptions {
  /** Event types whose schemas are validated on append and whose schema versions are stamped. */
  readonly eventTypes?: readonly EventDefinition[];
  /** Upcasters applied on read. */
  readonly upcasters?: readonly Upcaster[];
  /** Largest serialised event payload accepted, in characters (default 1 MiB). */
  readonly maxEventSize?: number;
}
