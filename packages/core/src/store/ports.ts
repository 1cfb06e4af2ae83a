/**
 * The store: one object per database that groups the ports every driver implements, and a
 * transaction that spans them.
 */
import type { Upcaster } from '../event-store/upcasters.js';
import type { ColumnValue, TableDefinition } from './table-definition.js';
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

/**
 * A lease: a named right held by one owner at a time, until it expires unless renewed. The
 * epoch goes up every time the lease changes hands, so it is a fencing token: a write made
 * with a stale `(owner, epoch)` is refused even if the former holder does not know it lost.
 */
export interface Lease {
  readonly name: string;
  /** The holder; `''` once released. */
  readonly owner: string;
  readonly epoch: number;
  /** When the lease lapses unless renewed, by the store's clock. */
  readonly expiresAt: Date;
}

/** What proves a lease is still held: it must match the stored owner and epoch. */
export type LeaseToken = Pick<Lease, 'name' | 'owner' | 'epoch'>;

/** A lease as listed, with whether it is held now by the store's clock. */
export interface LeaseInfo extends Lease {
  readonly active: boolean;
}

export interface LeaseOptions {
  /** How long the lease lasts from now unless renewed, in ms. */
  readonly ttlMs: number;
}

export interface CheckpointStore {
  get(name: string): Promise<Checkpoint | undefined>;
  /** Checkpoints whose names start with `prefix` (all when omitted), by name. */
  list(options?: { readonly prefix?: string }): Promise<Checkpoint[]>;
  /**
   * Moves a checkpoint from `expected` (undefined = not stored yet) to `next`, atomically.
   * With `lease`, it moves only while that lease is held at that epoch, in the same statement.
   * @throws CheckpointConflictError when the stored position is not `expected`.
   * @throws LeaseLostError when `lease` no longer matches the stored owner and epoch.
   */
  compareAndSet(
    name: string,
    expected: LogPosition | undefined,
    next: LogPosition,
    options?: { readonly lease?: LeaseToken },
  ): Promise<void>;
  delete(name: string): Promise<void>;
  /**
   * Takes a lease that is free, released or expired (bumping its epoch), or renews one
   * `owner` already holds (same epoch). Returns `undefined` when someone else holds it.
   */
  acquireLease(name: string, owner: string, options: LeaseOptions): Promise<Lease | undefined>;
  /** Extends a lease still held as `lease`; `undefined` when it changed hands meanwhile. */
  renewLease(lease: LeaseToken, options: LeaseOptions): Promise<Lease | undefined>;
  /** Gives a lease up, if still held as `lease`; the next taker gets a new epoch. */
  releaseLease(lease: LeaseToken): Promise<boolean>;
  /** Leases whose names start with `prefix` (all when omitted), by name. */
  listLeases(options?: { readonly prefix?: string }): Promise<LeaseInfo[]>;
}

/** Why a message could not be handled, kept as plain data. */
export interface FailureInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's code, when it has one (every `WhizbangError` does). */
  readonly code?: string;
}

/** A message that failed every attempt, parked with its error until it is replayed or discarded. */
export interface NewDeadLetter {
  /** Who failed to handle it: a projection, reactor or consumer name. */
  readonly source: string;
  readonly tenantId?: string;
  readonly messageId: string;
  readonly messageType: string;
  /** Where the message sits in the global log, for events. */
  readonly position?: LogPosition;
  /** The message itself, as JSON-serialisable data, so it can be replayed. */
  readonly payload: unknown;
  readonly error: FailureInfo;
  readonly attempts: number;
}

export interface DeadLetter extends NewDeadLetter {
  readonly id: string;
  readonly tenantId: string;
  readonly createdAt: Date;
}

export interface DeadLetterListOptions {
  readonly source?: string;
  readonly tenantId?: string;
  /** Only dead letters after this id (keyset paging). */
  readonly after?: string;
  /** Default 100. */
  readonly limit?: number;
}

export interface DeadLetterStore {
  /** Parks a message; returns it with its id. */
  add(letter: NewDeadLetter): Promise<DeadLetter>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Dead letters in the order they were added, optionally of one source or tenant, after `after` (an id). */
  list(options?: DeadLetterListOptions): Promise<DeadLetter[]>;
  /** Discards a dead letter (after a replay, or for good); returns whether it existed. */
  delete(id: string): Promise<boolean>;
}

/** A message for the outbox: written in a transaction, delivered by the relay after it commits. */
export interface NewOutboxMessage {
  /** The message id (unique): the relay publishes under it and inboxes de-duplicate on it. */
  readonly id: string;
  /** The transport destination it is published to. */
  readonly destination: string;
  readonly type: string;
  /** The payload as text (a JSON envelope for Whizbang messages). */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The ordering key, passed on to the transport. */
  readonly key?: string;
  /** Not before this time: a scheduled or delayed message (default: at once). */
  readonly deliverAt?: Date;
  readonly tenantId?: string;
}

/** A message waiting in the outbox. */
export interface OutboxMessage {
  readonly id: string;
  readonly destination: string;
  readonly type: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly tenantId: string;
  readonly deliverAt: Date;
  readonly createdAt: Date;
  /** Failed deliveries so far. */
  readonly attempts: number;
  /** Why the last delivery failed. */
  readonly lastError?: string;
}

/**
 * What waits in the outbox (`outbox.backlog()`), for metrics and health. A message the relay
 * released for a later attempt is scheduled until that attempt falls due; one claimed but not yet
 * completed is still due: it has not been delivered.
 */
export interface OutboxBacklog {
  /** Messages due now (`deliverAt` passed) and not yet delivered, claimed or not. */
  readonly due: number;
  /** Messages not due yet (scheduled, or waiting to be retried). */
  readonly scheduled: number;
  /** When the oldest due message was written (undefined when none is due): the relay's lag. */
  readonly oldestDueCreatedAt: Date | undefined;
}

export interface OutboxClaimOptions {
  /** At most this many messages (default 100). */
  readonly limit?: number;
  /** How long the claim holds (ms): a relay that dies holding it frees its messages after this. */
  readonly leaseMs: number;
}

/**
 * The outbox: messages written in the same transaction as the events that caused them, then
 * delivered by relays. A relay claims due messages (others skip them while the claim holds),
 * publishes them and completes them; one that fails releases them for a later attempt, and one
 * that dies leaves them to be claimed again when its claim runs out. Adding a message whose id
 * is already waiting changes nothing, so a retried transaction never sends twice.
 */
export interface OutboxStore {
  add(messages: readonly NewOutboxMessage[]): Promise<void>;
  /** Claims due, unclaimed messages for `owner`, oldest due first. */
  claim(owner: string, options: OutboxClaimOptions): Promise<OutboxMessage[]>;
  /** Delivered: removes the messages `owner` still holds; returns how many. */
  complete(owner: string, ids: readonly string[]): Promise<number>;
  /** Not delivered: frees the messages `owner` still holds, due again at `retryAt`, counting the attempt. */
  release(
    owner: string,
    ids: readonly string[],
    options: { readonly retryAt: Date; readonly error: string },
  ): Promise<number>;
  /** Removes a waiting message (a scheduled one that is no longer wanted); returns whether it was waiting. */
  cancel(id: string): Promise<boolean>;
  /** Waiting messages, by id, after `after` (keyset paging). */
  list(options?: { readonly limit?: number; readonly after?: string }): Promise<OutboxMessage[]>;
  /** When the next unclaimed message falls due (undefined when none waits): a relay sleeps until then. */
  nextDue(): Promise<Date | undefined>;
  /**
   * What waits to be delivered: messages due now (deliverAt <= now) not yet delivered, claimed or not, and
   * when the oldest of them was written; scheduled messages not yet due are counted apart.
   * @example
   * const { due, scheduled, oldestDueCreatedAt } = await store.outbox.backlog();
   * const lagMs = oldestDueCreatedAt ? Date.now() - oldestDueCreatedAt.getTime() : 0;
   */
  backlog(): Promise<OutboxBacklog>;
}

/**
 * The inbox: which messages each consumer group has handled. A consumer records the message in
 * the same transaction as its effects; a redelivered message then finds itself recorded and is
 * acknowledged without running again: at-least-once delivery, exactly-once effect.
 */
export interface InboxStore {
  /** Records that `group` handled `messageId`; false if it already had. */
  record(group: string, messageId: string): Promise<boolean>;
  /**
   * Records many at once (one round trip where the database allows): returns the ids that were
   * not recorded before, each once however often it is given. At most 10,000 ids.
   */
  recordMany(group: string, messageIds: readonly string[]): Promise<ReadonlySet<string>>;
  has(group: string, messageId: string): Promise<boolean>;
  /**
   * Which of `messageIds` `group` has not handled, each once, in their order. Within a
   * transaction it first waits for any other transaction that claimed one of them, and holds
   * them until it ends, without writing anything: two deliveries of a message then run one after
   * the other, and the second finds it handled once the first has recorded it (`recordMany`,
   * after the handlers). It writes nothing because on PostgreSQL a write gives the transaction
   * the id that orders its appends (see the stores guide). At most 10,000 ids.
   */
  claim(group: string, messageIds: readonly string[]): Promise<string[]>;
  /** Forgets what was recorded before `before` (retention); returns how many. */
  prune(options: { readonly before: Date }): Promise<number>;
}

/** Options of the bulk reads by key (`documents.getMany`, `tables.getMany`). */
export interface ReadManyOptions {
  readonly tenantId?: string;
  /**
   * Within a transaction, hold these keys (present or not) until it ends: another transaction
   * reading them with `lock` waits for this one, then sees what it wrote. For read-modify-write
   * by concurrent writers (inline projections). Stores with one writer at a time need no lock
   * and ignore it; outside a transaction it has no effect.
   */
  readonly lock?: boolean;
}

/** A stored document with its optimistic version (1 after the first write). */
export interface StoredDocument<T = unknown> {
  readonly id: string;
  readonly version: number;
  readonly data: T;
}

/** A document for `putMany`. */
export interface DocumentWrite<T = unknown> {
  readonly id: string;
  readonly data: T;
  /** Write it only if it is at this version, or with `'none'` only if it does not exist. */
  readonly expectedVersion?: number | 'none';
}

/** A document for `deleteMany` to delete only if it is at `expectedVersion`. */
export interface DocumentDeletion {
  readonly id: string;
  readonly expectedVersion: number;
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
  /** The documents with these ids that exist, in the order of `ids` (at most 10,000 ids). */
  getMany<T = unknown>(
    collection: CollectionRef<T>,
    ids: readonly string[],
    options?: ReadManyOptions,
  ): Promise<StoredDocument<T>[]>;
  /**
   * Inserts or replaces many documents in one round trip (at most 10,000, each id once); each
   * version goes up by one. Documents with an `expectedVersion` are checked, all or nothing: on
   * the first that is not at its version it throws `DocumentConflictError` and writes none of
   * them (within a transaction too, which stays usable).
   */
  putMany<T>(
    collection: CollectionRef<T>,
    documents: readonly DocumentWrite<T>[],
    options?: { readonly tenantId?: string },
  ): Promise<void>;
  /**
   * Deletes the documents with these ids; returns how many existed (at most 10,000). An id given
   * as `{ id, expectedVersion }` is checked, all or nothing, as in `putMany`.
   */
  deleteMany(
    collection: CollectionRef,
    ids: readonly (string | DocumentDeletion)[],
    options?: { readonly tenantId?: string },
  ): Promise<number>;
  /**
   * Deletes every document of a collection, in every tenant; returns how many. For operators
   * and the projection daemon retiring an old read model, not for application code.
   */
  deleteCollection(collection: CollectionRef): Promise<number>;
  /** How many documents match a filter. */
  count(collection: CollectionRef, options?: CountOptions): Promise<number>;
  /** Creates the indexes a collection declares, if missing; safe to call from several processes. */
  createIndexes(collection: CollectionDefinition): Promise<void>;
}

/** Options of `tables.select`. */
export interface SelectOptions {
  /** Equality on columns (`null` matches an unset column). */
  readonly where?: Readonly<Record<string, ColumnValue>>;
  readonly orderBy?: readonly { readonly column: string; readonly direction?: 'asc' | 'desc' }[];
  /** Default 100, at most 10,000. */
  readonly limit?: number;
  readonly tenantId?: string;
}

/**
 * SQL read models: rows in real tables with declared columns (see `defineTable`), scoped by
 * tenant, keyed by a text column. Query them with SQL from your own code, or with `select`.
 */
export interface TableStore {
  /**
   * Creates the table and its indexes if missing and adds declared columns it lacks; safe to
   * call from several processes at once. Columns are never dropped or retyped.
   */
  migrate(table: TableDefinition): Promise<void>;
  /** The rows with these keys that exist, in the order of `keys` (at most 10,000). */
  getMany<R>(table: TableDefinition<R>, keys: readonly string[], options?: ReadManyOptions): Promise<R[]>;
  /** Inserts or replaces rows (each carrying its key column) in one round trip; unset columns are null. */
  upsertMany<R>(
    table: TableDefinition<R>,
    rows: readonly R[],
    options?: { readonly tenantId?: string },
  ): Promise<void>;
  /** Deletes the rows with these keys; returns how many existed. */
  deleteMany(
    table: TableDefinition,
    keys: readonly string[],
    options?: { readonly tenantId?: string },
  ): Promise<number>;
  /** Rows matching equality filters, sorted (ties by key) and limited. */
  select<R>(table: TableDefinition<R>, options?: SelectOptions): Promise<R[]>;
  /** Drops the table and its rows in every tenant (a retired rebuild generation's). */
  drop(table: TableDefinition): Promise<void>;
}

/** The parts of a store that take part in a transaction. */
export interface StoreSession {
  readonly events: EventStore;
  readonly documents: DocumentStore;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  readonly deadLetters: DeadLetterStore;
  readonly tables: TableStore;
  readonly outbox: OutboxStore;
  readonly inbox: InboxStore;
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
