/**
 * The in-memory transport: a broker inside the process, for tests and for a single process
 * that wants the messaging model without a server. It keeps the whole contract, including
 * per-key ordering and redelivery of what a closed connection left unsettled, but nothing
 * survives the process.
 */
import { StateError, TransportUnavailableError } from '../errors/catalog.js';
import { handleDelivery, settleOnce } from './settle-once.js';
import {
  checkConsumeOptions,
  checkPublish,
  checkSubscription,
  checkTakeLimit,
  checkTopology,
} from './transport-input.js';
import type {
  ConsumeOptions,
  Consumption,
  DeadLetteredMessage,
  Delivery,
  Subscription,
  Topology,
  Transport,
  TransportCapabilities,
  TransportMessage,
} from './transport.js';

interface Entry {
  readonly seq: number;
  readonly message: TransportMessage;
  deliveries: number;
}

interface Consumer {
  readonly connection: MemoryTransport;
  readonly handler: (delivery: Delivery) => Promise<void>;
  readonly prefetch: number;
  inFlight: number;
  stopped: boolean;
  readonly running: Set<Promise<void>>;
}

interface InFlight {
  readonly entry: Entry;
  readonly consumer: Consumer;
}

class GroupQueue {
  /** Waiting messages, in publish order. */
  pending: Entry[] = [];
  readonly inFlight = new Set<InFlight>();
  readonly keysInFlight = new Set<string>();
  readonly consumers: Consumer[] = [];
  readonly deadLetters: DeadLetteredMessage[] = [];
  #next = 0;

  constructor(readonly subscription: Subscription) {}

  giveBack(entry: Entry): void {
    // Back in its place, so a key's next message cannot overtake it.
    const at = this.pending.findIndex((e) => e.seq > entry.seq);
    if (at === -1) this.pending.push(entry);
    else this.pending.splice(at, 0, entry);
  }

  release(flight: InFlight): void {
    this.inFlight.delete(flight);
    flight.consumer.inFlight--;
    if (flight.entry.message.key !== undefined) this.keysInFlight.delete(flight.entry.message.key);
  }

  /** Hands waiting messages to consumers with room, in turn. */
  dispatch(): void {
    for (;;) {
      const consumer = this.#nextConsumer();
      if (!consumer) return;
      const index = this.pending.findIndex(
        (e) => e.message.key === undefined || !this.keysInFlight.has(e.message.key),
      );
      if (index === -1) return;
      const [entry] = this.pending.splice(index, 1) as [Entry];
      this.#deliver(entry, consumer);
    }
  }

  #nextConsumer(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.#next + i) % this.consumers.length]!;
      if (!consumer.stopped && consumer.inFlight < consumer.prefetch) {
        this.#next = (this.#next + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  #deliver(entry: Entry, consumer: Consumer): void {
    entry.deliveries++;
    const flight: InFlight = { entry, consumer };
    this.inFlight.add(flight);
    consumer.inFlight++;
    if (entry.message.key !== undefined) this.keysInFlight.add(entry.message.key);
    const settle = (then: () => void) => async () => {
      // A closed connection has given the message back already.
      if (!this.inFlight.has(flight)) throw new StateError('The transport connection was closed');
      this.release(flight);
      then();
      this.dispatch();
    };
    const delivery = settleOnce(entry.message, this.subscription, entry.deliveries, {
      ack: settle(() => undefined),
      nack: settle(() => this.giveBack(entry)),
      deadLetter: async (reason) => settle(() => this.deadLetters.push({ message: entry.message, reason }))(),
    });
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handleDelivery(consumer.handler, delivery))
      .finally(() => consumer.running.delete(run));
    consumer.running.add(run);
  }
}

/** The broker several in-memory transports (connections) share. */
export class MemoryBroker {
  readonly #groups = new Map<string, GroupQueue>();
  readonly #destinations = new Map<string, Set<string>>();
  #seq = 0;

  declare(topology: Topology): void {
    for (const destination of topology.destinations ?? []) this.#destination(destination);
    for (const subscription of topology.subscriptions ?? []) {
      this.#destination(subscription.destination).add(subscription.group);
      const key = groupKey(subscription);
      if (!this.#groups.has(key)) this.#groups.set(key, new GroupQueue({ ...subscription }));
    }
  }

  publish(destination: string, messages: readonly TransportMessage[]): void {
    const groups = this.#destinations.get(destination);
    if (!groups) throw new StateError(`Destination '${destination}' has not been declared`);
    for (const message of messages) {
      const copy = copyMessage(message);
      const seq = ++this.#seq;
      for (const group of groups)
        this.group({ destination, group }).pending.push({ seq, message: copy, deliveries: 0 });
    }
    for (const group of groups) this.group({ destination, group }).dispatch();
  }

  group(subscription: Subscription): GroupQueue {
    const queue = this.#groups.get(groupKey(subscription));
    if (!queue)
      throw new StateError(
        `Subscription '${subscription.destination}' / '${subscription.group}' has not been declared`,
      );
    return queue;
  }

  /** Gives back what a closed connection left unsettled, and drops its consumers. */
  disconnect(connection: MemoryTransport): void {
    for (const queue of this.#groups.values()) {
      // Deleting the entry being visited is safe while iterating a Set.
      for (const flight of queue.inFlight) {
        if (flight.consumer.connection !== connection) continue;
        queue.release(flight);
        queue.giveBack(flight.entry);
      }
      for (const consumer of queue.consumers) if (consumer.connection === connection) consumer.stopped = true;
      queue.consumers.splice(0, queue.consumers.length, ...queue.consumers.filter((c) => !c.stopped));
      queue.dispatch();
    }
  }

  #destination(name: string): Set<string> {
    let groups = this.#destinations.get(name);
    if (!groups) this.#destinations.set(name, (groups = new Set()));
    return groups;
  }
}

const groupKey = (s: Subscription) => `${s.destination}\u0000${s.group}`;

/** Messages are copied on publish, as a broker would: the publisher's objects are never shared. */
const copyMessage = (m: TransportMessage): TransportMessage => ({
  id: m.id,
  type: m.type,
  body: m.body,
  headers: { ...m.headers },
  ...(m.key !== undefined && { key: m.key }),
});

export class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capabilities: TransportCapabilities = {
    orderedKeys: true,
    deduplicatesPublishes: false,
    countsDeliveries: true,
  };
  #closed = false;

  constructor(readonly broker: MemoryBroker) {}

  async declare(topology: Topology): Promise<void> {
    this.#assertOpen();
    checkTopology(topology);
    this.broker.declare(topology);
  }

  async publish(destination: string, messages: readonly TransportMessage[]): Promise<void> {
    this.#assertOpen();
    checkPublish(destination, messages);
    this.broker.publish(destination, messages);
  }

  async consume(
    subscription: Subscription,
    handler: (delivery: Delivery) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<Consumption> {
    this.#assertOpen();
    checkSubscription(subscription, 'transport.consume');
    const prefetch = checkConsumeOptions(options);
    const queue = this.broker.group(subscription);
    const consumer: Consumer = {
      connection: this,
      handler,
      prefetch,
      inFlight: 0,
      stopped: false,
      running: new Set(),
    };
    queue.consumers.push(consumer);
    queue.dispatch();
    return {
      stop: async () => {
        consumer.stopped = true;
        while (consumer.running.size > 0) await Promise.all(consumer.running);
        const at = queue.consumers.indexOf(consumer);
        if (at !== -1) queue.consumers.splice(at, 1);
        queue.dispatch();
      },
    };
  }

  async takeDeadLetters(
    subscription: Subscription,
    options?: { readonly limit?: number },
  ): Promise<DeadLetteredMessage[]> {
    this.#assertOpen();
    checkSubscription(subscription, 'transport.takeDeadLetters');
    const limit = checkTakeLimit(options);
    return this.broker.group(subscription).deadLetters.splice(0, limit);
  }

  /** The broker lives in the process: it answers for as long as this connection is open. */
  async ping(): Promise<void> {
    if (this.#closed) throw new TransportUnavailableError('memory', 'The in-memory transport is closed');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.broker.disconnect(this);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('The transport is closed');
  }
}

/**
 * An in-memory transport. Connections made with the same `broker` share its destinations and
 * groups, as processes sharing a real broker would.
 * @example
 * const broker = new MemoryBroker();
 * const a = memoryTransport({ broker });
 * const b = memoryTransport({ broker });
 */
export function memoryTransport(options: { readonly broker?: MemoryBroker } = {}): MemoryTransport {
  return new MemoryTransport(options.broker ?? new MemoryBroker());
}
