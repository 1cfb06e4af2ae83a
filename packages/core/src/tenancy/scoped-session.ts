/**
 * A store session seen from one tenant: every port call that takes a tenant gets this one when
 * it names none and is refused (`CrossTenantAccessError`) when it names another; calls that span
 * every tenant are refused. Each port's view is made the first time it is used, so a handler
 * that touches only `documents` pays for one small object.
 */
import type { EventStore } from '../event-store/types.js';
import type {
  CheckpointStore,
  DeadLetterStore,
  DocumentStore,
  InboxStore,
  OutboxStore,
  SnapshotStore,
  Store,
  StoreSession,
  TableStore,
} from '../store/ports.js';
import { ScopedCheckpointStore } from './scoped-checkpoint-store.js';
import { ScopedDocumentStore } from './scoped-document-store.js';
import { ScopedEventStore } from './scoped-event-store.js';
import { ScopedDeadLetterStore, ScopedInboxStore, ScopedOutboxStore } from './scoped-messaging-stores.js';
import { ScopedSnapshotStore } from './scoped-snapshot-store.js';
import { ScopedTableStore } from './scoped-table-store.js';
import { refuse } from './tenant-scope.js';

export class ScopedSession implements StoreSession {
  #events: EventStore | undefined;
  #documents: DocumentStore | undefined;
  #checkpoints: CheckpointStore | undefined;
  #snapshots: SnapshotStore | undefined;
  #deadLetters: DeadLetterStore | undefined;
  #tables: TableStore | undefined;
  #outbox: OutboxStore | undefined;
  #inbox: InboxStore | undefined;

  constructor(
    /** The unscoped session underneath. */
    readonly unscoped: StoreSession,
    readonly tenantId: string,
  ) {}

  get events(): EventStore {
    return (this.#events ??= new ScopedEventStore(this.unscoped.events, this.tenantId));
  }
  get documents(): DocumentStore {
    return (this.#documents ??= new ScopedDocumentStore(this.unscoped.documents, this.tenantId));
  }
  get checkpoints(): CheckpointStore {
    return (this.#checkpoints ??= new ScopedCheckpointStore(this.tenantId));
  }
  get snapshots(): SnapshotStore {
    return (this.#snapshots ??= new ScopedSnapshotStore(this.unscoped.snapshots, this.tenantId));
  }
  get deadLetters(): DeadLetterStore {
    return (this.#deadLetters ??= new ScopedDeadLetterStore(this.unscoped.deadLetters, this.tenantId));
  }
  get tables(): TableStore {
    return (this.#tables ??= new ScopedTableStore(this.unscoped.tables, this.tenantId));
  }
  get outbox(): OutboxStore {
    return (this.#outbox ??= new ScopedOutboxStore(this.unscoped.outbox, this.tenantId));
  }
  get inbox(): InboxStore {
    return (this.#inbox ??= new ScopedInboxStore(this.unscoped.inbox, this.tenantId));
  }
}

/**
 * A whole store seen from one tenant: its transactions hand out scoped sessions too. Migrating
 * and closing it are the owner's business, not a tenant's.
 */
export class ScopedStore extends ScopedSession implements Store {
  constructor(
    readonly store: Store,
    tenantId: string,
  ) {
    super(store, tenantId);
  }

  get driver(): string {
    return this.store.driver;
  }
  transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.store.transaction((tx) => work(new ScopedSession(tx, this.tenantId)));
  }
  async migrate(): Promise<void> {
    return refuse(this.tenantId, 'store.migrate');
  }
  async close(): Promise<void> {
    return refuse(this.tenantId, 'store.close');
  }
  async [Symbol.asyncDispose](): Promise<void> {
    return refuse(this.tenantId, 'store.close');
  }
}

/** Whether `session` is a store (it opens transactions), not a transaction of one. */
export function isStore(session: StoreSession): session is Store {
  return typeof (session as Partial<Store>).transaction === 'function';
}

/**
 * `session` as a handler for `tenantId` sees it (a `Store` stays a `Store`, whose transactions
 * are scoped too). A session already scoped to that tenant is returned as it is.
 * @example
 * const acme = scopeSession(store, 'acme');
 * await acme.documents.put('carts', 'c-1', cart); // written for 'acme'
 * await acme.documents.get('carts', 'c-1', { tenantId: 'globex' }); // throws CrossTenantAccessError
 */
export function scopeSession(session: Store, tenantId: string): Store;
export function scopeSession(session: StoreSession, tenantId: string): StoreSession;
export function scopeSession(session: StoreSession, tenantId: string): StoreSession {
  if (session instanceof ScopedSession && session.tenantId === tenantId) return session;
  return isStore(session) ? new ScopedStore(session, tenantId) : new ScopedSession(session, tenantId);
}
