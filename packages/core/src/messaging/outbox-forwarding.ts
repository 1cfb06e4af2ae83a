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

/**
 * Sends made outside any transaction commit on their own, and many callers at once would each
 * wait for a commit of their own. Those that arrive together share one statement and one
 * commit; each caller still resolves only once its message is durable.
 */
class OutboxGroupCommit {
  #pending: { readonly message: NewOutboxMessage; readonly done: (error?: unknown) => void }[] = [];

  constructor(
    readonly outbox: OutboxStore,
    readonly maxBatch = 500,
  ) {}

  add(message: NewOutboxMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ message, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.#pending.length >= this.maxBatch) this.#flush();
      else if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.outbox.add(batch.map((b) => b.message)).then(
      () => {
        for (const b of batch) b.done();
      },
      async (error: unknown) => {
        if (batch.length === 1) return batch[0]!.done(error);
        // One message spoilt the statement (an id sent twice at once, say): each on its own.
        for (const b of batch)
          await this.outbox.add([b.message]).then(
            () => b.done(),
            (own: unknown) => b.done(own),
          );
      },
    );
  }
}

/**
 * Writes leaving messages to the outbox of the session they were sent in: a handler's
 * transaction, or (outside any) the app's store, where concurrent sends share a commit.
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
