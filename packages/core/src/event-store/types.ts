/**
 * The event store port. Every driver (in-memory, SQLite, PostgreSQL, and any third-party one)
 * implements exactly this and passes the conformance suite in `@whizbang/testing`.
 *
 * Conventions:
 * - Stream versions are 1-based: the first event of a stream has version 1; a stream that does
 *   not exist is at version 0.
 * - Global positions are `bigint`. The global log is ordered by `LogPosition`, the pair
 *   (commit, position) compared as a tuple: `commit` orders transactions (PostgreSQL's xid8),
 *   `position` orders events within the log. Drivers whose commit order equals position order
 *   (in-memory, SQLite) set `commit` equal to `position`.
 */
import type { Headers, Message } from '../messages/define.js';
import type { Envelope, MessageMetadata } from '../messages/envelope.js';

/** The tenant used when none is given. */
export const DEFAULT_TENANT = 'default';

/**
 * What an append expects of the stream: an exact version (0 = no events yet), `'no_stream'`
 * (must not exist), `'stream_exists'` (must have at least one event), or `'any'`.
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

/** A point in the global log, compared as the tuple (commit, position). */
export interface LogPosition {
  readonly commit: bigint;
  readonly position: bigint;
}

/** The position before the first event. */
export const LOG_START: LogPosition = Object.freeze({ commit: 0n, position: 0n });

/**
 * An event to append: plain `{ type, data }`, as built by an event definition. `schemaVersion`
 * is normally stamped from the registered definition; give it only when writing events recorded
 * elsewhere at an older version (replay, restore, copying), which upcasters then lift on read.
 */
export type NewEvent = Message & { readonly schemaVersion?: number };

/** Context copied into the metadata of every appended event. */
export type AppendMetadata = Partial<Omit<MessageMetadata, 'timestamp' | 'schemaVersion' | 'headers'>> & {
  readonly headers?: Headers;
};

export interface AppendOptions {
  /** Defaults to `'any'`. */
  readonly expectedVersion?: ExpectedVersion;
  /** Correlation, causation, principal and trace context for the events' metadata. */
  readonly metadata?: AppendMetadata;
  /** The tenant that owns the stream; defaults to `DEFAULT_TENANT`. */
  readonly tenantId?: string;
}

export interface AppendResult {
  readonly stream: string;
  /** The stream's version after the append: pass it as `expectedVersion` next time. */
  readonly nextExpectedVersion: number;
  /** Position of the last appended event. */
  readonly lastPosition: LogPosition;
  /** True when this append created the stream. */
  readonly createdStream: boolean;
}

/** One stream's part of an atomic multi-stream append. */
export interface StreamAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expectedVersion?: ExpectedVersion;
}

/** An event as stored: its envelope plus where it sits in its stream and in the global log. */
export interface RecordedEvent<E extends Message = Message> extends Envelope<E['type'], E['data']> {
  readonly stream: string;
  readonly tenantId: string;
  /** 1-based version within the stream. */
  readonly streamVersion: number;
  readonly logPosition: LogPosition;
  /** When the event was stored. */
  readonly createdAt: Date;
}

export interface ReadStreamOptions {
  /** First stream version to return (inclusive). Forward default 1; backward default the last. */
  readonly from?: number;
  /** Last stream version to return (inclusive). */
  readonly to?: number;
  readonly direction?: 'forward' | 'backward';
  /** At most this many events. */
  readonly maxCount?: number;
  readonly tenantId?: string;
}

export interface StreamSlice<E extends Message = Message> {
  readonly stream: string;
  /** The stream's current version (0 if it does not exist), whatever slice was asked for. */
  readonly version: number;
  readonly exists: boolean;
  readonly events: readonly RecordedEvent<E>[];
}

export interface ReadAllFilter {
  /** Only these event types. */
  readonly types?: readonly string[];
  /** Only streams whose name starts with this. */
  readonly streamPrefix?: string;
  /** Only this tenant's events; all tenants when omitted. */
  readonly tenantId?: string;
  /**
   * Only streams in one of `count` partitions, split by a hash of the stream name
   * (`streamPartition`), so several readers can share the log without overlap.
   */
  readonly partition?: { readonly count: number; readonly index: number };
}

export interface ReadAllOptions {
  /** Return events strictly after this position; defaults to `LOG_START`. */
  readonly after?: LogPosition;
  /** Events fetched per round trip (default 500). */
  readonly batchSize?: number;
  /**
   * Read no further than this position: a head the caller read a moment ago with
   * `readHeadPosition()`, which saves reading it again. Never a position beyond it.
   */
  readonly until?: LogPosition;
  readonly filter?: ReadAllFilter;
  readonly signal?: AbortSignal;
}

export interface SubscribeOptions extends ReadAllOptions {
  /** How often to look for new events when no wake-up arrives, in ms (default 250). */
  readonly pollIntervalMs?: number;
}

/** What a store knows about a stream. */
export interface StreamInfo {
  readonly stream: string;
  readonly tenantId: string;
  readonly exists: boolean;
  readonly version: number;
  readonly deleted: boolean;
  readonly archived: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface StreamOptions {
  readonly tenantId?: string;
  readonly expectedVersion?: ExpectedVersion;
}

/** The event store port. */
export interface EventStore {
  /**
   * Appends events to one stream, atomically, if the stream matches `expectedVersion`.
   * @throws ConcurrencyError with the stream's real version on a mismatch; nothing is written.
   * @throws ValidationError for bad input (no events, bad stream name, unserialisable data); nothing is written.
   * @throws StreamDeletedError / StreamArchivedError when the stream is deleted or archived.
   * @example
   * const { nextExpectedVersion } = await store.events.appendToStream('order-1', [OrderPlaced({ ... })], { expectedVersion: 'no_stream' });
   */
  appendToStream(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;

  /**
   * Appends to several streams in one transaction: all are written, or none is.
   * Each stream's expected version is checked.
   */
  appendToStreams(
    appends: readonly StreamAppend[],
    options?: Omit<AppendOptions, 'expectedVersion'>,
  ): Promise<AppendResult[]>;

  /**
   * Within a transaction, holds these streams (existing or not) until it ends: another
   * transaction that locks or appends to any of them waits for this one, then sees what it
   * wrote. Lock what a unit of work will write before reading it, and its appends cannot
   * conflict with another locker's: writers of a hot stream (the last units of a product) queue
   * instead of failing and retrying. Streams are taken in one order whatever order they are
   * given, so two lockers never wait for each other in a circle. Stores with one writer at a time
   * (memory, SQLite) hold every stream for the whole of a transaction already and have nothing
   * more to do; outside a transaction it waits for the current holders and holds nothing.
   * @throws ValidationError for a bad stream name or more than 10,000 streams; nothing is locked.
   * @example
   * await store.transaction(async (tx) => {
   *   await tx.events.lockStreams(['product-7', `order-${orderId}`]);
   *   const product = await tx.events.readStream('product-7');
   *   await tx.events.appendToStreams([{ stream: 'product-7', events, expectedVersion: product.version }, …]);
   * });
   */
  lockStreams(streams: readonly string[], options?: { readonly tenantId?: string }): Promise<void>;

  /** Reads one stream. A stream that does not exist reads as version 0 with no events. */
  readStream<E extends Message = Message>(
    stream: string,
    options?: ReadStreamOptions,
  ): Promise<StreamSlice<E>>;

  /**
   * Reads the global log in order, after `options.after`, up to the head as of the call;
   * never skips an event whose transaction commits late.
   */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /** Like `readAll`, then keeps waiting for new events until `signal` aborts or the loop breaks. */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /**
   * The position of the newest event visible to gap-safe readers (`LOG_START` when empty).
   * With `committed`, the newest committed event even if an older transaction still running
   * holds it back from those readers: what "everything appended so far" means to a waiter.
   */
  readHeadPosition(options?: { readonly committed?: boolean }): Promise<LogPosition>;

  /**
   * A wake-up for readers that wait for new events: resolves at the next append this store
   * hears of (in this process, or in others where the driver can hear them, as PostgreSQL's
   * NOTIFY). It may resolve for other reasons too, so read again rather than trust it; ask
   * before reading, so an append during the read is not missed. `cancel` resolves it at once.
   */
  nextAppend(): { readonly promise: Promise<void>; cancel(): void };

  getStreamInfo(stream: string, options?: { readonly tenantId?: string }): Promise<StreamInfo>;

  /** Replaces a stream's user metadata. The stream must exist. */
  setStreamMetadata(
    stream: string,
    metadata: Readonly<Record<string, unknown>>,
    options?: StreamOptions,
  ): Promise<void>;

  /** Soft-deletes (tombstones) a stream: it can no longer be read or appended to. */
  deleteStream(stream: string, options?: StreamOptions): Promise<void>;

  /** Archives a stream: it stays readable, but appends are refused. */
  archiveStream(stream: string, options?: StreamOptions): Promise<void>;
}
