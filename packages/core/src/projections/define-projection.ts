/**
 * Projections as data: which events a read model listens to, which document each event
 * changes, and how. The same definition runs inline (in the append's transaction), async (in
 * the daemon) or live (folded on read); only `lifecycle` says which.
 */
import { ValidationError } from '../errors/catalog.js';
import { MAX_PARTITIONS } from '../event-store/partition.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { Event } from '../messages/define.js';
import { defineCollection, type CollectionDefinition } from '../store/document-query.js';
import type { TableDefinition } from '../store/table-definition.js';
import { checkTable } from '../store/table-input.js';
import type { ReadModelTarget } from './read-model-target.js';
import type { StoreSession } from '../store/ports.js';

export type ProjectionLifecycle = 'inline' | 'async' | 'live';

/** What a handler knows besides the document and the event. */
export interface ProjectionContext {
  /** The id of the document being changed. */
  readonly id: string;
  /** True while the projection is rebuilt or a dead letter is replayed. */
  readonly replaying: boolean;
  /** The session the batch writes through: read other documents here, in the same transaction. */
  readonly session: StoreSession;
}

/**
 * Changes one document for one event: return the new document, `null` to delete it, or
 * `undefined` to leave it as it is (also: not create it).
 */
export type ProjectionHandler<S, E extends Event> = (
  document: S,
  event: RecordedEvent<E>,
  context: ProjectionContext,
) => S | null | undefined | Promise<S | null | undefined>;

/**
 * The event of type `T` within `E`; `E` itself when `E` is not a union of literal types
 * (plain `Event`), so untyped handlers still see an event rather than `never`.
 */
export type EventOfType<E extends Event, T extends string> = [Extract<E, { type: T }>] extends [never]
  ? E
  : Extract<E, { type: T }>;

export type ProjectionHandlers<S, E extends Event> = {
  readonly [T in E['type']]?: ProjectionHandler<S, EventOfType<E, T>>;
};

/** A recorded event of each type of the union `E`, so checking `event.type` narrows `event.data`. */
export type RecordedEventOf<E extends Event> = E extends Event ? RecordedEvent<E> : never;

/** Which document(s) an event changes: one id, several, or none (`undefined`). */
export type ProjectionIdentity<E extends Event> = (
  event: RecordedEventOf<E>,
) => string | readonly string[] | undefined;

/** What happens when a handler keeps failing on an event. */
export interface ProjectionErrorPolicy {
  /** Attempts per event before giving up, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, doubled each time up to 5 s (default 50 ms). */
  readonly backoffMs?: number;
  /**
   * After the last attempt: `'dead-letter'` parks the event in dead letters and goes on with
   * the next (default); `'stop'` stops the projection (partition) before the event, to be
   * fixed and resumed. Inline projections always fail the append instead.
   */
  readonly onFailure?: 'dead-letter' | 'stop';
}

/** How a new generation is checked and switched to (async projections). */
export interface ProjectionRebuildPolicy {
  /** Documents compared with a fresh fold of the log before switching (default 100). */
  readonly sampleSize?: number;
  /** Share of the sample that must match, 0–1 (default 1: all of it). */
  readonly minAccuracy?: number;
  /** How long the former generation's documents are kept after a switch (default 24 h). */
  readonly keepPreviousMs?: number;
}

export interface ProjectionOptions<S, E extends Event> {
  /** Names the projection, its checkpoints and (unless `collection` says otherwise) its documents. */
  readonly name: string;
  /** Bump when the handlers change what they produce; a new version is rebuilt from the log. */
  readonly version?: number;
  /** Default `'async'`. */
  readonly lifecycle?: ProjectionLifecycle;
  /**
   * `'stream'` (default): one document per stream, its id the stream name. Otherwise a function
   * that picks the document id(s) from the event, for read models keyed by something else.
   */
  readonly identity?: 'stream' | ProjectionIdentity<E>;
  /** The document a handler starts from when none is stored yet. */
  readonly initialState: () => S;
  readonly handlers: ProjectionHandlers<S, E>;
  /** The collection its documents go to (default: a collection named after the projection). */
  readonly collection?: string | CollectionDefinition<S>;
  /** Keep the read model as rows of this SQL table instead of documents (see `defineTable`). */
  readonly table?: TableDefinition<S>;
  /**
   * Async, one document per stream only: split the log into this many partitions by stream,
   * each run on its own, possibly on different nodes (default 1). Changing it needs a new version.
   */
  readonly partitions?: number;
  readonly errors?: ProjectionErrorPolicy;
  readonly rebuild?: ProjectionRebuildPolicy;
}

/** A checked projection definition. */
export interface Projection<S = unknown> {
  readonly kind: 'projection';
  readonly name: string;
  readonly version: number;
  readonly lifecycle: ProjectionLifecycle;
  readonly collection: CollectionDefinition<S>;
  /** The SQL table its rows go to, when it keeps its read model in one. */
  readonly table?: TableDefinition<S>;
  /** Where the first generation's read model lives: `collection` or `table`. */
  readonly target: ReadModelTarget;
  /** The event types it has handlers for: the only ones it reads. */
  readonly eventTypes: readonly string[];
  readonly partitions: number;
  /** True when each document is one stream's (identity `'stream'`). */
  readonly keyedByStream: boolean;
  readonly errors: Required<ProjectionErrorPolicy>;
  readonly rebuild: Required<ProjectionRebuildPolicy>;
  readonly initialState: () => S;
  /** The state a handler starts from for `id` when none is stored (a table row gets its key). */
  initialFor(id: string): S;
  /** The document ids an event changes (none when the projection has no handler for it). */
  identify(event: RecordedEvent): readonly string[];
  /** The handler for an event type (typed loosely, so any projection passes as a `Projection`). */
  handlerFor(type: string): ProjectionHandler<unknown, Event> | undefined;
}

const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

function fail(message: string, path: string): never {
  throw new ValidationError([{ message, path: [path] }], 'defineProjection');
}

function positiveInteger(value: unknown, path: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    fail(`must be an integer from 1 to ${max}`, path);
  return value;
}

/**
 * Defines a projection.
 * @example
 * export const orderSummaries = defineProjection<OrderSummary, OrderEvent>({
 *   name: 'order-summaries',
 *   initialState: () => ({ status: 'new', totalCents: 0 }),
 *   handlers: {
 *     OrderPlaced: (doc, e) => ({ ...doc, status: 'placed', totalCents: e.data.totalCents }),
 *     OrderShipped: (doc) => ({ ...doc, status: 'shipped' }),
 *   },
 * });
 */
export function defineProjection<S, E extends Event = Event>(
  options: ProjectionOptions<S, E>,
): Projection<S> {
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    fail('must be 1–100 letters, digits, `_`, `-` or `.`, starting with a letter or digit', 'name');
  const version = positiveInteger(options.version ?? 1, 'version', 1_000_000);
  const lifecycle = options.lifecycle ?? 'async';
  if (!['inline', 'async', 'live'].includes(lifecycle))
    fail("must be 'inline', 'async' or 'live'", 'lifecycle');
  const partitions = positiveInteger(options.partitions ?? 1, 'partitions', MAX_PARTITIONS);
  if (partitions > 1 && lifecycle !== 'async') fail('only async projections are partitioned', 'partitions');
  if (typeof options.initialState !== 'function') fail('must be a function', 'initialState');
  const handlers = new Map<string, ProjectionHandler<unknown, Event>>();
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (typeof handler !== 'function') fail('must be a function', `handlers.${type}`);
    handlers.set(type, handler as ProjectionHandler<unknown, Event>);
  }
  if (handlers.size === 0) fail('must handle at least one event type', 'handlers');
  const errors = options.errors ?? {};
  const onFailure = errors.onFailure ?? 'dead-letter';
  if (onFailure !== 'dead-letter' && onFailure !== 'stop')
    fail("must be 'dead-letter' or 'stop'", 'errors.onFailure');
  const identity = options.identity ?? 'stream';
  if (identity !== 'stream' && typeof identity !== 'function')
    fail("must be 'stream' or a function of the event", 'identity');
  // Partitions split the log by stream; a document fed by several streams could then be
  // written by two partitions at once.
  if (partitions > 1 && identity !== 'stream')
    fail("only projections with identity 'stream' can be partitioned", 'partitions');
  const collection = collectionOf(options.collection ?? options.name);
  if (options.table !== undefined && options.collection !== undefined)
    fail('give a collection or a table, not both', 'table');
  const table = options.table === undefined ? undefined : checkTable(options.table, 'defineProjection');
  const target: ReadModelTarget = table ? { kind: 'table', table } : { kind: 'documents', collection };
  const rebuild = options.rebuild ?? {};
  const accuracy = rebuild.minAccuracy ?? 1;
  if (typeof accuracy !== 'number' || !(accuracy >= 0 && accuracy <= 1))
    fail('must be from 0 to 1', 'rebuild.minAccuracy');
  const keep = rebuild.keepPreviousMs ?? 0;
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 0)
    fail('must be a whole number of milliseconds', 'rebuild.keepPreviousMs');
  return Object.freeze({
    kind: 'projection' as const,
    name: options.name,
    version,
    lifecycle,
    collection,
    ...(table && { table: table as TableDefinition<S> }),
    target,
    eventTypes: Object.freeze([...handlers.keys()]),
    partitions,
    keyedByStream: identity === 'stream',
    errors: Object.freeze({
      maxAttempts: positiveInteger(errors.maxAttempts ?? 3, 'errors.maxAttempts', 100),
      backoffMs: errors.backoffMs ?? 50,
      onFailure,
    }),
    rebuild: Object.freeze({
      sampleSize: positiveInteger(rebuild.sampleSize ?? 100, 'rebuild.sampleSize', 100_000),
      minAccuracy: rebuild.minAccuracy ?? 1,
      keepPreviousMs: rebuild.keepPreviousMs ?? 86_400_000,
    }),
    initialState: options.initialState,
    initialFor: (id: string): S =>
      table ? ({ ...(options.initialState() as object), [table.key]: id } as S) : options.initialState(),
    identify(event: RecordedEvent): readonly string[] {
      if (!handlers.has(event.type)) return [];
      if (identity === 'stream') return [event.stream];
      const ids = (identity as ProjectionIdentity<Event>)(event as RecordedEventOf<Event>);
      return ids === undefined ? [] : typeof ids === 'string' ? [ids] : [...new Set(ids)];
    },
    handlerFor: (type: string) => handlers.get(type),
  });
}

function collectionOf<S>(ref: string | CollectionDefinition<S>): CollectionDefinition<S> {
  return typeof ref === 'string' ? defineCollection<S>(ref) : ref;
}
