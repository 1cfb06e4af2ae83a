/** The event store port on SQLite. Commit order is position order: one writer at a time. */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import {
  ConcurrencyError,
  LOG_START,
  StreamArchivedError,
  StreamDeletedError,
  StreamNotFoundError,
  uuidv7,
  type AppendMetadata,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type LogPosition,
  type Message,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamInfo,
  type StreamOptions,
  type StreamSlice,
  type SubscribeOptions,
} from '@whizbang/core';
import {
  checkLockStreams,
  checkReadAll,
  type CheckedEvent,
  type EventCodec,
  checkReadStream,
  recordedMetadata,
  storedEventMetadata,
  tail,
  checkStreamOptions,
  tenantOf,
  versionMatches,
} from '@whizbang/core/driver';
import { PARTITION_FUNCTION } from './connection.js';
import type { Executor, WriteScope } from './executor.js';

export interface EventStoreSettings {
  readonly codec: EventCodec;
  readonly pollIntervalMs: number;
}

interface StreamRow {
  version: bigint;
  deleted: bigint;
  archived: bigint;
  metadata: string;
}

interface EventRow {
  global_position: bigint;
  tenant_id: string;
  stream_id: string;
  stream_version: bigint;
  event_id: string;
  type: string;
  schema_version: bigint;
  data: string;
  metadata: string;
  created_at: bigint;
}

const EVENT_COLUMNS =
  'global_position, tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at';
const SELECT_STREAM =
  'SELECT version, deleted, archived, metadata FROM streams WHERE tenant_id = ? AND stream_id = ?';
/** Events go in as multi-row inserts of up to this many rows (9 parameters each). */
const ROWS_PER_INSERT = 50;
const insertSql: string[] = [];
function insertEvents(rows: number): string {
  return (insertSql[rows] ??=
    'INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at) VALUES ' +
    Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '));
}
const UPSERT_STREAM = `INSERT INTO streams (tenant_id, stream_id, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (tenant_id, stream_id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`;
const READ_FORWARD = `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND stream_id = ? AND stream_version BETWEEN ? AND ?
  ORDER BY stream_version LIMIT ?`;
const READ_BACKWARD = `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND stream_id = ? AND stream_version BETWEEN ? AND ?
  ORDER BY stream_version DESC LIMIT ?`;
// One statement shape for every filter: absent filters are NULL and match everything.
const READ_ALL = `SELECT ${EVENT_COLUMNS} FROM events
  WHERE global_position > ? AND global_position <= ?
    AND (? IS NULL OR type IN (SELECT value FROM json_each(?)))
    AND (? IS NULL OR tenant_id = ?)
    AND (? IS NULL OR substr(stream_id, 1, length(?)) = ?)
    AND (? IS NULL OR ${PARTITION_FUNCTION}(stream_id, ?) = ?)
  ORDER BY global_position LIMIT ?`;
const HEAD = 'SELECT COALESCE(MAX(global_position), 0) AS head FROM events';

function toPosition(position: bigint): LogPosition {
  return { commit: position, position };
}

export class SqliteEventStore implements EventStore {
  constructor(
    readonly executor: Executor,
    readonly settings: EventStoreSettings,
  ) {}

  #statement(db: DatabaseSync, sql: string) {
    return this.executor.connections.statement(db, sql);
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const tenantId = tenantOf(options.tenantId, 'appendToStream');
    const checked = await this.settings.codec.prepareAppend(stream, events, options.expectedVersion);
    return this.executor.write((scope) =>
      this.#appendTo(scope, tenantId, stream, checked, options.expectedVersion, options.metadata),
    );
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options: Omit<AppendOptions, 'expectedVersion'> = {},
  ): Promise<AppendResult[]> {
    const tenantId = tenantOf(options.tenantId, 'appendToStreams');
    const checked = await this.settings.codec.prepareMultiAppend(appends);
    return this.executor.write((scope) =>
      appends.map((part, i) =>
        this.#appendTo(scope, tenantId, part.stream, checked[i]!, part.expectedVersion, options.metadata),
      ),
    );
  }

  #appendTo(
    scope: WriteScope,
    tenantId: string,
    stream: string,
    checked: readonly CheckedEvent[],
    expected: ExpectedVersion | undefined,
    metadata: AppendMetadata | undefined,
  ): AppendResult {
    const { db } = scope;
    const row = this.#statement(db, SELECT_STREAM).get(tenantId, stream) as StreamRow | undefined;
    const current = row ? Number(row.version) : 0;
    if (row?.deleted) throw new StreamDeletedError(stream, tenantId);
    if (row?.archived) throw new StreamArchivedError(stream, tenantId);
    if (!versionMatches(expected, current))
      throw new ConcurrencyError(stream, expected ?? 'any', current, tenantId);
    const now = Date.now();
    const codec = this.settings.codec;
    let last = 0n;
    // One statement per chunk of rows: per-row inserts spend most of a batch crossing into SQLite.
    for (let start = 0; start < checked.length; start += ROWS_PER_INSERT) {
      const chunk = checked.slice(start, start + ROWS_PER_INSERT);
      const values: SQLInputValue[] = [];
      chunk.forEach(({ event, dataJson }, i) => {
        const id = event.id ?? uuidv7();
        values.push(
          tenantId,
          stream,
          current + start + i + 1,
          id,
          event.type,
          codec.schemaVersionOf(event),
          dataJson,
          storedEventMetadata(event, metadata),
          now,
        );
      });
      last = BigInt(this.#statement(db, insertEvents(chunk.length)).run(...values).lastInsertRowid);
    }
    const next = current + checked.length;
    this.#statement(db, UPSERT_STREAM).run(tenantId, stream, next, now, now);
    scope.appended = true;
    return {
      stream,
      nextExpectedVersion: next,
      lastPosition: toPosition(last),
      createdStream: current === 0,
    };
  }

  #toRecorded(row: EventRow): RecordedEvent {
    let data: unknown = JSON.parse(row.data);
    let schemaVersion = Number(row.schema_version);
    ({ data, schemaVersion } = this.settings.codec.upcast(row.type, schemaVersion, data));
    return {
      id: row.event_id,
      type: row.type,
      data,
      metadata: recordedMetadata(
        // Most events carry no context: skip parsing their empty metadata.
        row.metadata === '{}' ? {} : (JSON.parse(row.metadata) as Record<string, unknown>),
        row.event_id,
        row.tenant_id,
        schemaVersion,
        Number(row.created_at),
      ),
      stream: row.stream_id,
      tenantId: row.tenant_id,
      streamVersion: Number(row.stream_version),
      logPosition: toPosition(row.global_position),
      createdAt: new Date(Number(row.created_at)),
    };
  }

  /** One writer at a time: a transaction holds every stream from its start to its end already. */
  async lockStreams(streams: readonly string[], options: { readonly tenantId?: string } = {}): Promise<void> {
    checkLockStreams(streams, options.tenantId, 'events.lockStreams');
  }

  async readStream<E extends Message = Message>(
    stream: string,
    options: ReadStreamOptions = {},
  ): Promise<StreamSlice<E>> {
    checkReadStream(stream, options);
    const tenantId = tenantOf(options.tenantId, 'readStream');
    return this.executor.read((db) => {
      const row = this.#statement(db, SELECT_STREAM).get(tenantId, stream) as StreamRow | undefined;
      if (row?.deleted) throw new StreamDeletedError(stream, tenantId);
      const version = row ? Number(row.version) : 0;
      const limit = options.maxCount ?? -1; // SQLite: a negative LIMIT means none
      const rows = (options.direction === 'backward'
        ? this.#statement(db, READ_BACKWARD).all(
            tenantId,
            stream,
            options.to ?? 1,
            options.from ?? version,
            limit,
          )
        : this.#statement(db, READ_FORWARD).all(
            tenantId,
            stream,
            options.from ?? 1,
            options.to ?? version,
            limit,
          )) as unknown as EventRow[];
      return {
        stream,
        version,
        exists: version > 0,
        events: rows.map((r) => this.#toRecorded(r) as RecordedEvent<E>),
      };
    });
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    checkReadAll(options);
    const { filter, signal } = options;
    const batchSize = options.batchSize ?? 500;
    const types = filter?.types ? JSON.stringify(filter.types) : null;
    const tenant = filter?.tenantId ?? null;
    const prefix = filter?.streamPrefix ?? null;
    const count = filter?.partition?.count ?? null;
    const index = filter?.partition?.index ?? null;
    const head = options.until?.position ?? (await this.#head());
    let after = (options.after ?? LOG_START).position;
    while (after < head) {
      signal?.throwIfAborted();
      const rows = (await this.executor.read((db) =>
        this.#statement(db, READ_ALL).all(
          after,
          head,
          types,
          types,
          tenant,
          tenant,
          prefix,
          prefix,
          prefix,
          count,
          count,
          index,
          batchSize,
        ),
      )) as unknown as EventRow[];
      if (rows.length === 0) return;
      for (const row of rows) yield this.#toRecorded(row);
      after = rows[rows.length - 1]!.global_position;
    }
  }

  /** In-process appends wake us at once; other processes' are found by polling. */
  nextAppend(): { promise: Promise<void>; cancel: () => void } {
    return this.executor.connections.nextAppend();
  }

  subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    return tail(
      {
        readAll: (o) => this.readAll(o),
        readHeadPosition: () => this.readHeadPosition(),
        nextAppend: () => this.nextAppend(),
      },
      options,
      this.settings.pollIntervalMs,
    );
  }

  async #head(): Promise<bigint> {
    return this.executor.read((db) => (this.#statement(db, HEAD).get() as { head: bigint }).head);
  }

  // One writer: commit order is position order, so the committed head is the gap-safe head.
  async readHeadPosition(): Promise<LogPosition> {
    const head = await this.#head();
    return head === 0n ? LOG_START : toPosition(head);
  }

  async getStreamInfo(stream: string, options: { readonly tenantId?: string } = {}): Promise<StreamInfo> {
    checkReadStream(stream, {});
    const tenantId = tenantOf(options.tenantId, 'getStreamInfo');
    const row = await this.executor.read(
      (db) => this.#statement(db, SELECT_STREAM).get(tenantId, stream) as StreamRow | undefined,
    );
    const version = row ? Number(row.version) : 0;
    return {
      stream,
      tenantId,
      exists: version > 0,
      version,
      deleted: Boolean(row?.deleted),
      archived: Boolean(row?.archived),
      metadata: row ? (JSON.parse(row.metadata) as Record<string, unknown>) : {},
    };
  }

  async setStreamMetadata(
    stream: string,
    metadata: Readonly<Record<string, unknown>>,
    options: StreamOptions = {},
  ): Promise<void> {
    const json = checkStreamOptions(
      stream,
      options,
      'setStreamMetadata',
      metadata,
      this.settings.codec.maxEventSize,
    )!;
    await this.#changeStream(
      stream,
      options,
      'setStreamMetadata',
      (row) => (row.deleted ? 'deleted' : 'metadata = ?'),
      json,
    );
  }

  async deleteStream(stream: string, options: StreamOptions = {}): Promise<void> {
    checkStreamOptions(stream, options, 'deleteStream');
    await this.#changeStream(stream, options, 'deleteStream', (row) =>
      row.deleted ? undefined : 'deleted = 1',
    );
  }

  async archiveStream(stream: string, options: StreamOptions = {}): Promise<void> {
    checkStreamOptions(stream, options, 'archiveStream');
    await this.#changeStream(stream, options, 'archiveStream', (row) => {
      if (row.deleted) return 'deleted';
      return row.archived ? undefined : 'archived = 1';
    });
  }

  /** Updates a stream row after checking it exists and matches the expected version. */
  #changeStream(
    stream: string,
    options: StreamOptions,
    subject: string,
    change: (row: StreamRow) => string | undefined, // an SQL assignment, or 'deleted' to refuse
    ...params: string[]
  ): Promise<void> {
    const tenantId = tenantOf(options.tenantId, subject);
    return this.executor.write(({ db }) => {
      const row = this.#statement(db, SELECT_STREAM).get(tenantId, stream) as StreamRow | undefined;
      const version = row ? Number(row.version) : 0;
      if (!row || version === 0) throw new StreamNotFoundError(stream, tenantId);
      if (!versionMatches(options.expectedVersion, version)) {
        throw new ConcurrencyError(stream, options.expectedVersion ?? 'any', version, tenantId);
      }
      const assignment = change(row);
      if (assignment === 'deleted') throw new StreamDeletedError(stream, tenantId);
      if (assignment === undefined) return;
      this.#statement(
        db,
        `UPDATE streams SET ${assignment}, updated_at = ? WHERE tenant_id = ? AND stream_id = ?`,
      ).run(...params, Date.now(), tenantId, stream);
    });
  }
}
