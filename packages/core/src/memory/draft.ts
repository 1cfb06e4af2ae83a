/**
 * A transaction's staged changes over the committed state. Reads through a draft see the
 * committed state plus the draft's own writes; nobody else sees them until `commit()`.
 * A draft with no changes is the read view of the committed state.
 */
import type {
  CheckpointRecord,
  DeadLetterRecord,
  DocumentRecord,
  LeaseRecord,
  MemoryState,
  OutboxRecord,
  SnapshotRecord,
  StoredEvent,
  StreamRecord,
  TableRowRecord,
} from './state.js';
import type { TableDefinition } from '../store/table-definition.js';

/** Staged puts (a record) and deletes (`null`) over one committed map. */
class StagedMap<V> {
  readonly #staged = new Map<string, V | null>();
  constructor(readonly committed: Map<string, V>) {}

  get(key: string): V | undefined {
    const staged = this.#staged.get(key);
    return staged !== undefined ? (staged ?? undefined) : this.committed.get(key);
  }

  put(key: string, record: V | null): void {
    this.#staged.set(key, record);
  }

  /** Committed and staged records, staged winning; deleted ones left out. */
  merged(): Map<string, V> {
    const merged = new Map(this.committed);
    for (const [key, record] of this.#staged) {
      if (record) merged.set(key, record);
      else merged.delete(key);
    }
    return merged;
  }

  commit(): void {
    for (const [key, record] of this.#staged) {
      if (record) this.committed.set(key, record);
      else this.committed.delete(key);
    }
  }
}

/** A stream as a draft sees it. */
export interface StreamView {
  readonly record: StreamRecord | undefined;
  /** Events appended in this draft, after the record's. */
  readonly added: readonly StoredEvent[];
  readonly version: number;
  readonly deleted: boolean;
  readonly archived: boolean;
  readonly metadataJson: string;
}

interface StagedStream {
  tenantId: string;
  stream: string;
  added: StoredEvent[];
  deleted?: boolean;
  archived?: boolean;
  metadataJson?: string;
}

export class Draft {
  readonly #streams = new Map<string, StagedStream>();
  /** Appended events in position order. */
  readonly appended: StoredEvent[] = [];
  readonly #documents = new Map<string, Map<string, DocumentRecord | null>>();
  readonly checkpoints: StagedMap<CheckpointRecord>;
  readonly snapshots: StagedMap<SnapshotRecord>;
  readonly leases: StagedMap<LeaseRecord>;
  readonly deadLetters: StagedMap<DeadLetterRecord>;
  readonly outbox: StagedMap<OutboxRecord>;
  readonly inbox: StagedMap<number>;
  readonly tableDefinitions: StagedMap<TableDefinition>;
  readonly tableRows: StagedMap<TableRowRecord>;

  constructor(readonly state: MemoryState) {
    this.checkpoints = new StagedMap(state.checkpoints);
    this.snapshots = new StagedMap(state.snapshots);
    this.leases = new StagedMap(state.leases);
    this.deadLetters = new StagedMap(state.deadLetters);
    this.outbox = new StagedMap(state.outbox);
    this.inbox = new StagedMap(state.inbox);
    this.tableDefinitions = new StagedMap(state.tableDefinitions);
    this.tableRows = new StagedMap(state.tableRows);
  }

  /** The position the next appended event gets. Safe because only one draft writes at a time. */
  get nextPosition(): bigint {
    return BigInt(this.state.log.length + this.appended.length + 1);
  }

  stream(key: string): StreamView {
    const record = this.state.streams.get(key);
    const staged = this.#streams.get(key);
    const added = staged?.added ?? [];
    return {
      record,
      added,
      version: (record?.events.length ?? 0) + added.length,
      deleted: staged?.deleted ?? record?.deleted ?? false,
      archived: staged?.archived ?? record?.archived ?? false,
      metadataJson: staged?.metadataJson ?? record?.metadataJson ?? '{}',
    };
  }

  #staged(key: string, tenantId: string, stream: string): StagedStream {
    let staged = this.#streams.get(key);
    if (!staged) this.#streams.set(key, (staged = { tenantId, stream, added: [] }));
    return staged;
  }

  append(key: string, tenantId: string, stream: string, events: readonly StoredEvent[]): void {
    this.#staged(key, tenantId, stream).added.push(...events);
    this.appended.push(...events);
  }

  setStreamFlags(
    key: string,
    tenantId: string,
    stream: string,
    flags: { deleted?: boolean; archived?: boolean; metadataJson?: string },
  ): void {
    Object.assign(this.#staged(key, tenantId, stream), flags);
  }

  document(collectionKey: string, id: string): DocumentRecord | undefined {
    const staged = this.#documents.get(collectionKey)?.get(id);
    if (staged !== undefined) return staged ?? undefined;
    return this.state.documents.get(collectionKey)?.get(id);
  }

  /** Committed and staged documents of a collection, staged winning; deleted ones left out. */
  documents(collectionKey: string): Map<string, DocumentRecord> {
    const merged = new Map(this.state.documents.get(collectionKey));
    for (const [id, record] of this.#documents.get(collectionKey) ?? []) {
      if (record) merged.set(id, record);
      else merged.delete(id);
    }
    return merged;
  }

  /** Every collection key (tenant and collection) with committed or staged documents. */
  collectionKeys(): Set<string> {
    return new Set([...this.state.documents.keys(), ...this.#documents.keys()]);
  }

  putDocument(collectionKey: string, id: string, record: DocumentRecord | null): void {
    let staged = this.#documents.get(collectionKey);
    if (!staged) this.#documents.set(collectionKey, (staged = new Map()));
    staged.set(id, record);
  }

  /** Applies every staged change to the committed state, then wakes subscribers. */
  commit(): void {
    const { state } = this;
    for (const [key, staged] of this.#streams) {
      let record = state.streams.get(key);
      if (!record) {
        record = {
          tenantId: staged.tenantId,
          stream: staged.stream,
          events: [],
          deleted: false,
          archived: false,
          metadataJson: '{}',
        };
        state.streams.set(key, record);
      }
      for (const event of staged.added) record.events.push(event);
      if (staged.deleted !== undefined) record.deleted = staged.deleted;
      if (staged.archived !== undefined) record.archived = staged.archived;
      if (staged.metadataJson !== undefined) record.metadataJson = staged.metadataJson;
    }
    for (const event of this.appended) state.log.push(event);
    for (const [collectionKey, staged] of this.#documents) {
      let collection = state.documents.get(collectionKey);
      if (!collection) state.documents.set(collectionKey, (collection = new Map()));
      for (const [id, record] of staged) {
        if (record) collection.set(id, record);
        else collection.delete(id);
      }
    }
    this.checkpoints.commit();
    this.snapshots.commit();
    this.leases.commit();
    this.deadLetters.commit();
    this.outbox.commit();
    this.inbox.commit();
    this.tableDefinitions.commit();
    this.tableRows.commit();
    if (this.appended.length > 0) state.notifyAppend();
  }
}
