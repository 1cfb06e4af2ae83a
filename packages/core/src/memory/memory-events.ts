/** The event store port over the in-memory state. */
import { versionMatches } from '../event-store/append-input.js';
import { storedEventMetadata } from '../event-store/event-metadata.js';
import { streamPartition } from '../event-store/partition.js';
import { tail } from '../event-store/tail.js';
import {
  LOG_START,
  type AppendMetadata,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamInfo,
  type StreamOptions,
  type StreamSlice,
  type SubscribeOptions,
} from '../event-store/types.js';
import type { CheckedEvent } from '../event-store/append-input.js';
import type { EventCodec } from '../event-store/event-codec.js';
import {
  ConcurrencyError,
  StreamArchivedError,
  StreamDeletedError,
  StreamNotFoundError,
} from '../errors/catalog.js';
import { uuidv7 } from '../ids/uuidv7.js';
import type { Message } from '../messages/define.js';
import type { Access } from './access.js';
import type { Draft, StreamView } from './draft.js';
import {
  checkLockStreams,
  checkReadAll,
  checkReadStream,
  checkStreamOptions,
  tenantOf,
} from '../event-store/read-input.js';
import { toRecorded } from './recorded.js';
import { scopedKey, type StoredEvent } from './state.js';

export interface EventStoreSettings {
  readonly codec: EventCodec;
}

/** Reads the log position at `index` (0-based) as a draft sees it. */
function logAt(draft: Draft, index: number): StoredEvent | undefined {
  const committed = draft.state.log;
  return index < committed.length ? committed[index] : draft.appended[index - committed.length];
}

function logLength(draft: Draft): number {
  return draft.state.log.length + draft.appended.length;
}

export class MemoryEventStore implements EventStore {
  constructor(
    readonly access: Access,
    readonly settings: EventStoreSettings,
  ) {}

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const tenantId = tenantOf(options.tenantId, 'appendToStream');
    const checked = await this.settings.codec.prepareAppend(stream, events, options.expectedVersion);
    return this.access.write((draft) =>
      this.#appendTo(draft, tenantId, stream, checked, options.expectedVersion, options.metadata),
    );
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options: Omit<AppendOptions, 'expectedVersion'> = {},
  ): Promise<AppendResult[]> {
    const tenantId = tenantOf(options.tenantId, 'appendToStreams');
    const checked = await this.settings.codec.prepareMultiAppend(appends);
    return this.access.write((draft) =>
      appends.map((part, i) =>
        this.#appendTo(draft, tenantId, part.stream, checked[i]!, part.expectedVersion, options.metadata),
      ),
    );
  }

  #appendTo(
    draft: Draft,
    tenantId: string,
    stream: string,
    checked: readonly CheckedEvent[],
    expected: ExpectedVersion | undefined,
    metadata: AppendMetadata | undefined,
  ): AppendResult {
    const key = scopedKey(tenantId, stream);
    const view = draft.stream(key);
    if (view.deleted) throw new StreamDeletedError(stream, tenantId);
    if (view.archived) throw new StreamArchivedError(stream, tenantId);
    if (!versionMatches(expected, view.version))
      throw new ConcurrencyError(stream, expected ?? 'any', view.version, tenantId);
    const createdAt = new Date();
    let position = draft.nextPosition;
    const stored = checked.map(({ event, dataJson }, i): StoredEvent => {
      const id = event.id ?? uuidv7();
      return {
        id,
        type: event.type,
        dataJson,
        metadataJson: storedEventMetadata(event, metadata),
        schemaVersion: this.settings.codec.schemaVersionOf(event),
        tenantId,
        stream,
        streamVersion: view.version + i + 1,
        position: position++,
        createdAt,
      };
    });
    draft.append(key, tenantId, stream, stored);
    const last = stored[stored.length - 1]!.position;
    return {
      stream,
      nextExpectedVersion: view.version + stored.length,
      lastPosition: { commit: last, position: last },
      createdStream: view.version === 0,
    };
  }

  /** Transactions run one at a time here: a transaction holds every stream already. */
  async lockStreams(streams: readonly string[], options: { readonly tenantId?: string } = {}): Promise<void> {
    checkLockStreams(streams, options.tenantId, 'events.lockStreams');
  }

  async readStream<E extends Message = Message>(
    stream: string,
    options: ReadStreamOptions = {},
  ): Promise<StreamSlice<E>> {
    checkReadStream(stream, options);
    const tenantId = tenantOf(options.tenantId, 'readStream');
    const view = this.access.read().stream(scopedKey(tenantId, stream));
    if (view.deleted) throw new StreamDeletedError(stream, tenantId);
    const version = view.version;
    const events: RecordedEvent<E>[] = [];
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    const at = (v: number) =>
      v <= (view.record?.events.length ?? 0)
        ? view.record!.events[v - 1]!
        : view.added[v - 1 - (view.record?.events.length ?? 0)]!;
    if (options.direction === 'backward') {
      const high = Math.min(options.from ?? version, version);
      const low = Math.max(options.to ?? 1, 1);
      for (let v = high; v >= low && events.length < max; v--)
        events.push(toRecorded(at(v), this.settings.codec) as RecordedEvent<E>);
    } else {
      const low = Math.max(options.from ?? 1, 1);
      const high = Math.min(options.to ?? version, version);
      for (let v = low; v <= high && events.length < max; v++)
        events.push(toRecorded(at(v), this.settings.codec) as RecordedEvent<E>);
    }
    return { stream, version, exists: version > 0, events };
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    checkReadAll(options);
    const { filter, signal } = options;
    const batchSize = options.batchSize ?? 500;
    const draft = this.access.read();
    const head = Math.min(logLength(draft), Number(options.until?.position ?? Number.MAX_SAFE_INTEGER));
    const types = filter?.types ? new Set(filter.types) : undefined;
    const partition = filter?.partition;
    let index = Number((options.after ?? LOG_START).position);
    while (index < head) {
      signal?.throwIfAborted();
      const page: RecordedEvent[] = [];
      for (; index < head && page.length < batchSize; index++) {
        const stored = logAt(draft, index)!;
        if (types && !types.has(stored.type)) continue;
        if (filter?.tenantId !== undefined && stored.tenantId !== filter.tenantId) continue;
        if (filter?.streamPrefix !== undefined && !stored.stream.startsWith(filter.streamPrefix)) continue;
        if (partition && streamPartition(stored.stream, partition.count) !== partition.index) continue;
        page.push(toRecorded(stored, this.settings.codec));
      }
      yield* page;
      // Let other work run between pages, as a database round trip would.
      await Promise.resolve();
    }
  }

  nextAppend(): { promise: Promise<void>; cancel: () => void } {
    return this.access.read().state.nextAppend();
  }

  subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    const state = this.access.read().state;
    return tail(
      {
        readAll: (o) => this.readAll(o),
        readHeadPosition: () => this.readHeadPosition(),
        nextAppend: () => state.nextAppend(),
      },
      options,
      250,
    );
  }

  // One writer: commit order is position order, so the committed head is the gap-safe head.
  async readHeadPosition(): Promise<LogPosition> {
    const length = BigInt(logLength(this.access.read()));
    return length === 0n ? LOG_START : { commit: length, position: length };
  }

  async getStreamInfo(stream: string, options: { readonly tenantId?: string } = {}): Promise<StreamInfo> {
    checkReadStream(stream, {});
    const tenantId = tenantOf(options.tenantId, 'getStreamInfo');
    return this.#info(stream, tenantId, this.access.read().stream(scopedKey(tenantId, stream)));
  }

  #info(stream: string, tenantId: string, view: StreamView): StreamInfo {
    return {
      stream,
      tenantId,
      exists: view.version > 0,
      version: view.version,
      deleted: view.deleted,
      archived: view.archived,
      metadata: JSON.parse(view.metadataJson) as Record<string, unknown>,
    };
  }

  async setStreamMetadata(
    stream: string,
    metadata: Readonly<Record<string, unknown>>,
    options: StreamOptions = {},
  ): Promise<void> {
    const metadataJson = checkStreamOptions(
      stream,
      options,
      'setStreamMetadata',
      metadata,
      this.settings.codec.maxEventSize,
    );
    await this.#changeStream(stream, options, 'setStreamMetadata', (view) => {
      if (view.deleted) return 'deleted';
      return { metadataJson: metadataJson! };
    });
  }

  async deleteStream(stream: string, options: StreamOptions = {}): Promise<void> {
    checkStreamOptions(stream, options, 'deleteStream');
    await this.#changeStream(stream, options, 'deleteStream', (view) =>
      view.deleted ? undefined : { deleted: true },
    );
  }

  async archiveStream(stream: string, options: StreamOptions = {}): Promise<void> {
    checkStreamOptions(stream, options, 'archiveStream');
    await this.#changeStream(stream, options, 'archiveStream', (view) => {
      if (view.deleted) return 'deleted';
      return view.archived ? undefined : { archived: true };
    });
  }

  /** Changes a stream's flags after checking it exists and matches the expected version. */
  #changeStream(
    stream: string,
    options: StreamOptions,
    subject: string,
    change: (
      view: StreamView,
    ) => { deleted?: boolean; archived?: boolean; metadataJson?: string } | 'deleted' | undefined,
  ): Promise<void> {
    const tenantId = tenantOf(options.tenantId, subject);
    return this.access.write((draft) => {
      const key = scopedKey(tenantId, stream);
      const view = draft.stream(key);
      if (view.version === 0) throw new StreamNotFoundError(stream, tenantId);
      if (!versionMatches(options.expectedVersion, view.version)) {
        throw new ConcurrencyError(stream, options.expectedVersion ?? 'any', view.version, tenantId);
      }
      const flags = change(view);
      if (flags === 'deleted') throw new StreamDeletedError(stream, tenantId);
      if (flags) draft.setStreamFlags(key, tenantId, stream, flags);
    });
  }
}
