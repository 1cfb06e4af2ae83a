/**
 * Inline projections: a store whose appends also update the projections' documents in the
 * same transaction, so a read model is never behind its events and a failing projection fails
 * the append. Outside a transaction each append opens one; inside `store.transaction` the
 * projections write through the caller's transaction.
 */
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  LogPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamInfo,
  StreamOptions,
  StreamSlice,
  SubscribeOptions,
} from '../event-store/types.js';
import type { Message } from '../messages/define.js';
import type { Store, StoreSession } from '../store/ports.js';
import { applyEvents } from './apply-events.js';
import type { Projection } from './define-projection.js';

type Run = <T>(work: (session: StoreSession) => Promise<T>) => Promise<T>;

class ProjectingEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    readonly projections: readonly Projection[],
    /** Runs work in a transaction: a new one, or the caller's. */
    readonly run: Run,
  ) {}

  #handles(events: readonly NewEvent[]): boolean {
    return this.projections.some((p) => events.some((e) => p.handlerFor(e.type) !== undefined));
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (!this.#handles(events)) return this.inner.appendToStream(stream, events, options);
    return this.run(async (tx) => {
      const result = await tx.events.appendToStream(stream, events, options);
      await this.#project(tx, [{ result, count: events.length }], options.tenantId);
      return result;
    });
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options: Omit<AppendOptions, 'expectedVersion'> = {},
  ): Promise<AppendResult[]> {
    if (!this.#handles(appends.flatMap((a) => a.events))) return this.inner.appendToStreams(appends, options);
    return this.run(async (tx) => {
      const results = await tx.events.appendToStreams(appends, options);
      await this.#project(
        tx,
        results.map((result, i) => ({ result, count: appends[i]!.events.length })),
        options.tenantId,
      );
      return results;
    });
  }

  /** Reads the appended events back (they carry ids, versions and positions) and projects them. */
  async #project(
    tx: StoreSession,
    appended: readonly { result: AppendResult; count: number }[],
    tenantId: string | undefined,
  ): Promise<void> {
    const recorded: RecordedEvent[] = [];
    for (const { result, count } of appended) {
      const slice = await tx.events.readStream(result.stream, {
        from: result.nextExpectedVersion - count + 1,
        ...(tenantId !== undefined && { tenantId }),
      });
      recorded.push(...slice.events);
    }
    for (const projection of this.projections) {
      const relevant = recorded.filter((e) => projection.handlerFor(e.type) !== undefined);
      if (relevant.length > 0) await applyEvents(projection, relevant, tx, { mode: 'inline' });
    }
  }

  lockStreams(streams: readonly string[], options?: { readonly tenantId?: string }): Promise<void> {
    return this.inner.lockStreams(streams, options);
  }
  readStream<E extends Message = Message>(
    stream: string,
    options?: ReadStreamOptions,
  ): Promise<StreamSlice<E>> {
    return this.inner.readStream<E>(stream, options);
  }
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAll(options);
  }
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.inner.subscribe(options);
  }
  readHeadPosition(options?: { readonly committed?: boolean }): Promise<LogPosition> {
    return this.inner.readHeadPosition(options);
  }
  nextAppend(): { readonly promise: Promise<void>; cancel(): void } {
    return this.inner.nextAppend();
  }
  getStreamInfo(stream: string, options?: { readonly tenantId?: string }): Promise<StreamInfo> {
    return this.inner.getStreamInfo(stream, options);
  }
  setStreamMetadata(
    stream: string,
    metadata: Readonly<Record<string, unknown>>,
    options?: StreamOptions,
  ): Promise<void> {
    return this.inner.setStreamMetadata(stream, metadata, options);
  }
  deleteStream(stream: string, options?: StreamOptions): Promise<void> {
    return this.inner.deleteStream(stream, options);
  }
  archiveStream(stream: string, options?: StreamOptions): Promise<void> {
    return this.inner.archiveStream(stream, options);
  }
}

function projectingSession(
  session: StoreSession,
  projections: readonly Projection[],
  run: Run,
): StoreSession {
  return {
    events: new ProjectingEventStore(session.events, projections, run),
    documents: session.documents,
    checkpoints: session.checkpoints,
    snapshots: session.snapshots,
    deadLetters: session.deadLetters,
    tables: session.tables,
    outbox: session.outbox,
    inbox: session.inbox,
  };
}

/**
 * Wraps a store so that appends apply the given inline projections in their transaction.
 * `whizbang({ projections })` does this for you; use it directly when working with a store alone.
 * @example
 * const store = withInlineProjections(sqliteStore({ path }), [orderSummaries]);
 * await store.events.appendToStream('order-1', [OrderPlaced(data)]); // the summary is written too
 */
export function withInlineProjections(store: Store, projections: readonly Projection[]): Store {
  const inline = projections.filter((p) => p.lifecycle === 'inline');
  if (inline.length === 0) return store;
  const transaction: Store['transaction'] = (work) =>
    store.transaction((tx) => work(projectingSession(tx, inline, (inner) => inner(tx))));
  return {
    ...projectingSession(store, inline, (work) => store.transaction(work)),
    driver: store.driver,
    transaction,
    migrate: () => store.migrate(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
  };
}
