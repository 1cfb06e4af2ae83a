/**
 * Messages leaving through the outbox: the mediator's forwarder writes them with the session
 * it runs in (so they commit with the handler's events), and the store is wrapped so the
 * relay hears of every commit that wrote to the outbox and need not wait for its next poll.
 */
import type { MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import type { Forwarder } from '../mediator/mediator.js';
import type { NewOutboxMessage, OutboxStore, Store, StoreSession } from '../store/ports.js';
import { encodeEnvelope } from './envelope-codec.js';
import type { MessagingPlan } from './messaging-options.js';

/** The outbox row of an envelope bound for `destination`, due at `deliverAt` (default: at once). */
export function outboxMessage(
  kind: MessageKind,
  envelope: Envelope,
  destination: string,
  deliverAt?: Date,
): NewOutboxMessage {
  const message = encodeEnvelope(kind, envelope);
  return {
    id: message.id,
    destination,
    type: message.type,
    body: message.body,
    headers: message.headers,
    ...(envelope.metadata.tenantId !== undefined && { tenantId: envelope.metadata.tenantId }),
    ...(deliverAt !== undefined && { deliverAt }),
  };
}

/** Most messages one shared statement writes. */
const MAX_GROUP = 500;

/**
 * Sends made outside any transaction each need a commit, and many callers at once would queue
 * for commits of their own. Here a caller that finds no statement in flight writes at once
 * (a lone send waits for nothing more than its own commit); callers that come while one is in
 * flight gather, and go together in one statement and one commit when it returns. Each
 * caller resolves only once its own message is durable, and fails alone if it fails.
 */
export class OutboxGroupCommit {
  #waiting: { readonly message: NewOutboxMessage; readonly done: (error?: unknown) => void }[] = [];
  #writing = false;

  constructor(readonly outbox: OutboxStore) {}

  add(message: NewOutboxMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ message, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.#writing) void this.#write();
    });
  }

  async #write(): Promise<void> {
    this.#writing = true;
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      try {
        await this.outbox.add(group.map((g) => g.message));
        for (const g of group) g.done();
      } catch (error) {
        if (group.length === 1) group[0]!.done(error);
        // One bad message spoils the statement for all: each goes again on its own.
        else
          for (const g of group)
            await this.outbox.add([g.message]).then(
              () => g.done(),
              (own: unknown) => g.done(own),
            );
      }
    }
    this.#writing = false;
  }
}

/**
 * Writes leaving messages to the outbox of the session they were sent in: a handler's
 * transaction (they commit with its work), or, outside any, the app's store, where sends made
 * at the same time share a commit.
 */
export function outboxForwarder(plan: MessagingPlan, root: Store): Forwarder {
  const grouped = new OutboxGroupCommit(root.outbox);
  return {
    destinationOf: (kind, type) => plan.destinationOf(kind, type),
    forward: (kind, envelope, destination, store) => {
      let message: NewOutboxMessage;
      try {
        message = outboxMessage(kind, envelope, destination);
      } catch (error) {
        return Promise.reject(error); // a reserved header, say: `send` rejects, it does not throw
      }
      return store === root ? grouped.add(message) : store.outbox.add([message]);
    },
  };
}

/** An outbox that tells `written` after each add (for writes that commit on their own). */
function signallingOutbox(outbox: OutboxStore, written: () => void): OutboxStore {
  return new Proxy(outbox, {
    get(target, property) {
      if (property === 'add')
        return (messages: readonly NewOutboxMessage[]) => target.add(messages).then(written);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The store with an outbox that calls `committed` once messages written to it are committed:
 * right after an add outside a transaction, after the commit of a transaction that added.
 */
export function withOutboxSignal(store: Store, committed: () => void): Store {
  const session = (base: StoreSession, written: () => void): StoreSession => ({
    events: base.events,
    documents: base.documents,
    checkpoints: base.checkpoints,
    snapshots: base.snapshots,
    deadLetters: base.deadLetters,
    tables: base.tables,
    outbox: signallingOutbox(base.outbox, written),
    inbox: base.inbox,
  });
  return {
    ...session(store, committed),
    driver: store.driver,
    async transaction(work) {
      let wrote = false;
      const result = await store.transaction((tx) => work(session(tx, () => (wrote = true))));
      if (wrote) committed();
      return result;
    },
    migrate: () => store.migrate(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
  };
}
