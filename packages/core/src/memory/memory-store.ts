/**
 * The in-memory store: every port of a real driver, with the same semantics (it passes the
 * same conformance suite), for unit tests of user code and for trying things out. Writes are
 * serialised like SQLite's single writer; transactions stage their changes and publish them
 * at commit, so no reader ever sees part of one.
 */
import { StateError } from '../errors/catalog.js';
import { EventCodec } from '../event-store/event-codec.js';
import type { Store, StoreOptions, StoreSession } from '../store/ports.js';
import { autocommitAccess, transactionAccess, type Access } from './access.js';
import { Draft } from './draft.js';
import { MemoryCheckpoints } from './memory-checkpoints.js';
import { MemoryDeadLetters } from './memory-dead-letters.js';
import { MemoryDocuments } from './memory-documents.js';
import { MemoryEventStore, type EventStoreSettings } from './memory-events.js';
import { MemoryInbox } from './memory-inbox.js';
import { MemoryOutbox } from './memory-outbox.js';
import { MemorySnapshots } from './memory-snapshots.js';
import { MemoryTables } from './memory-tables.js';
import { MemoryState } from './state.js';

export interface MemoryStoreOptions extends StoreOptions {}

function session(access: Access, settings: EventStoreSettings): StoreSession {
  return {
    events: new MemoryEventStore(access, settings),
    documents: new MemoryDocuments(access),
    checkpoints: new MemoryCheckpoints(access),
    snapshots: new MemorySnapshots(access),
    deadLetters: new MemoryDeadLetters(access),
    tables: new MemoryTables(access),
    outbox: new MemoryOutbox(access),
    inbox: new MemoryInbox(access),
  };
}

/**
 * Creates an empty in-memory store.
 * @example
 * const store = memoryStore({ eventTypes: [OrderPlaced], upcasters: [orderPlacedV1toV2] });
 * await store.events.appendToStream('order-1', [OrderPlaced({ orderId: '1', total: 10 })]);
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const state = new MemoryState();
  const settings: EventStoreSettings = {
    codec: new EventCodec(options),
  };
  const base = session(autocommitAccess(state), settings);
  const close = async () => {
    state.closed = true;
  };
  return {
    driver: 'memory',
    ...base,
    transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
      if (state.closed) return Promise.reject(new StateError('The memory store is closed'));
      return state.exclusive(async () => {
        const draft = new Draft(state);
        // Work the body leaves running after it returns must not count as inside it.
        const scope = { active: true };
        try {
          const tx = session(
            transactionAccess(draft, () => scope.active),
            settings,
          );
          const result = await state.inTransaction.run(scope, () => work(tx));
          draft.commit();
          return result;
        } finally {
          scope.active = false;
        }
      });
    },
    // Nothing to create: the state is born with its shape. Kept so code runs unchanged on any driver.
    migrate: async () => {
      if (state.closed) throw new StateError('The memory store is closed');
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
