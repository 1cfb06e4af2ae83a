/**
 * The RabbitMQ transport. A destination is a durable fanout exchange; a subscription is a
 * durable queue bound to it, with a dead-letter queue beside it. Consumers of one group share
 * the group's queue, so they compete; each group has its own queue, so every group gets every
 * message.
 */
import type { Channel, ChannelModel } from 'amqplib';
import {
  isTransportUnavailableError,
  StateError,
  type ConsumeOptions,
  type Consumption,
  type DeadLetteredMessage,
  type Delivery,
  type Subscription,
  type Topology,
  type Transport,
  type TransportCapabilities,
  type TransportMessage,
} from '@whizbang/core';
import {
  checkConsumeOptions,
  checkPublish,
  checkSubscription,
  checkTakeLimit,
  checkTopology,
} from '@whizbang/core/driver';
import { deadLetterReason, decode, encodeAll } from './codec.js';
import { resolveOptions, type RabbitMqTransportOptions, type ResolvedOptions } from './config.js';
import { amqpCode, Connection, messageOf } from './connection.js';
import { Consumer } from './consumer.js';
import { Names, queueArguments } from './names.js';
import { Publisher } from './publisher.js';

const subscriptionKey = (s: Subscription) => `${s.destination}\u0000${s.group}`;

/** A broker refusal, said in terms of what to do about it. */
function brokerError(error: unknown, doing: string): Error {
  const code = amqpCode(error);
  const cause = { cause: error };
  if (code === 406)
    return new StateError(
      `${doing}: RabbitMQ refused (${messageOf(error)}). An exchange or queue of that name exists with other settings (a classic queue where a quorum one is asked for, say): delete it, or use another prefix`,
      cause,
    );
  if (code === 403)
    return new StateError(
      `${doing}: access refused (${messageOf(error)}); grant the user configure/write/read permissions on the virtual host`,
      cause,
    );
  // Not connected is not the broker refusing: keep the error that says to try again.
  if (error instanceof StateError || isTransportUnavailableError(error)) return error;
  return new StateError(`${doing}: ${messageOf(error)}`, cause);
}

export class RabbitMqTransport implements Transport {
  readonly name = 'rabbitmq';
  readonly capabilities: TransportCapabilities;
  readonly #options: ResolvedOptions;
  readonly #names: Names;
  #connection!: Connection;
  #publisher!: Publisher;
  /** Everything declared through this transport, declared again on every new connection. */
  readonly #destinations = new Set<string>();
  readonly #subscriptions = new Map<string, Subscription>();
  /** Destinations seen to exist on the current connection: publishing needs no check. */
  readonly #existing = new Set<string>();
  readonly #consumers = new Set<Consumer>();
  #closed = false;

  private constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#names = new Names(options.prefix);
    this.capabilities = {
      // A queue keeps order, but competing consumers and requeues do not: no per-key promise.
      orderedKeys: false,
      deduplicatesPublishes: false,
      countsDeliveries: options.queueType === 'quorum',
    };
  }

  /** Use `rabbitmqTransport`. */
  static async open(options: RabbitMqTransportOptions): Promise<RabbitMqTransport> {
    const transport = new RabbitMqTransport(resolveOptions(options));
    transport.#connection = await Connection.open(transport.#options, (model) => transport.#redeclare(model));
    transport.#publisher = new Publisher(transport.#connection);
    transport.#connection.onReady((model) => {
      for (const consumer of transport.#consumers) consumer.resume(model);
    });
    return transport;
  }

  /** True while a connection to the broker is up; false while it reconnects, and after `close`. */
  get connected(): boolean {
    return !this.#closed && this.#connection.connected;
  }

  async declare(topology: Topology): Promise<void> {
    this.#assertOpen();
    checkTopology(topology);
    const subject = 'transport.declare';
    const destinations = [
      ...(topology.destinations ?? []),
      ...(topology.subscriptions ?? []).map((s) => s.destination),
    ];
    for (const destination of destinations) this.#names.exchange(destination, subject);
    await this.#connection
      .withChannel(async (channel) => {
        for (const destination of new Set(destinations)) await this.#declareDestination(channel, destination);
        for (const subscription of topology.subscriptions ?? [])
          await this.#declareSubscription(channel, subscription);
      })
      .catch((error: unknown) => {
        throw brokerError(error, 'Could not declare the topology');
      });
    for (const destination of destinations) {
      this.#destinations.add(destination);
      this.#existing.add(destination);
    }
    for (const s of topology.subscriptions ?? [])
      this.#subscriptions.set(subscriptionKey(s), { destination: s.destination, group: s.group });
  }

  async publish(destination: string, messages: readonly TransportMessage[]): Promise<void> {
    this.#assertOpen();
    checkPublish(destination, messages);
    const exchange = this.#names.exchange(destination, 'transport.publish');
    const outgoing = encodeAll(messages);
    await this.#ensureDestination(destination, exchange);
    if (outgoing.length === 0) return;
    try {
      await this.#publisher.publish(exchange, '', outgoing);
    } catch (error) {
      // The exchange may be what went (deleted behind our back): check it again next time.
      this.#existing.delete(destination);
      throw error;
    }
  }

  async consume(
    subscription: Subscription,
    handler: (delivery: Delivery) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<Consumption> {
    this.#assertOpen();
    checkSubscription(subscription, 'transport.consume');
    const prefetch = checkConsumeOptions(options);
    const subject = 'transport.consume';
    const queue = this.#names.queue(subscription, subject);
    const target = { destination: subscription.destination, group: subscription.group };
    await this.#ensureSubscription(target, queue);
    const consumer = new Consumer(
      {
        subscription: target,
        queue,
        deadLetterQueue: this.#names.deadLetterQueue(subscription, subject),
        prefetch,
        handler,
        declare: (channel) => this.#declareSubscription(channel, target),
      },
      this.#connection,
      this.#publisher,
    );
    try {
      await consumer.start(this.#connection.current());
    } catch (error) {
      consumer.abandon();
      throw brokerError(error, `Could not start consuming '${queue}'`);
    }
    this.#consumers.add(consumer);
    return {
      stop: async () => {
        this.#consumers.delete(consumer);
        await consumer.stop();
      },
    };
  }

  async takeDeadLetters(
    subscription: Subscription,
    options?: { readonly limit?: number },
  ): Promise<DeadLetteredMessage[]> {
    this.#assertOpen();
    const subject = 'transport.takeDeadLetters';
    checkSubscription(subscription, subject);
    const limit = checkTakeLimit(options);
    await this.#ensureSubscription(subscription, this.#names.queue(subscription, subject));
    const queue = this.#names.deadLetterQueue(subscription, subject);
    return this.#connection
      .withChannel(async (channel) => {
        const taken: DeadLetteredMessage[] = [];
        while (taken.length < limit) {
          const raw = await channel.get(queue, { noAck: false });
          if (raw === false) break;
          taken.push({ message: decode(raw).message, reason: deadLetterReason(raw) });
          // Acked one by one as taken: if the connection drops midway, the rest stay parked.
          channel.ack(raw);
        }
        return taken;
      })
      .catch((error: unknown) => {
        throw brokerError(error, `Could not take dead letters from '${queue}'`);
      });
  }

  /**
   * A round trip to the broker that changes nothing, bounded by `connectTimeoutMs`. Rejects with
   * `TransportUnavailableError` while the transport reconnects, and once it is closed.
   */
  async ping(): Promise<void> {
    await this.#connection.ping(this.#options.connectTimeoutMs);
  }

  /**
   * Stops every consumer without waiting for its handlers and closes the connection; RabbitMQ
   * gives what was unsettled back to the groups. Handlers still running find their delivery's
   * settle methods failing with a `StateError`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const consumer of this.#consumers) consumer.abandon();
    this.#consumers.clear();
    await this.#connection.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('The RabbitMQ transport is closed');
  }

  async #declareDestination(channel: Channel, destination: string): Promise<void> {
    await channel.assertExchange(this.#names.exchange(destination, 'transport.declare'), 'fanout', {
      durable: true,
      autoDelete: false,
    });
  }

  async #declareSubscription(channel: Channel, subscription: Subscription): Promise<void> {
    const subject = 'transport.declare';
    const exchange = this.#names.exchange(subscription.destination, subject);
    const queue = this.#names.queue(subscription, subject);
    const deadLetters = this.#names.deadLetterQueue(subscription, subject);
    const type = this.#options.queueType;
    await this.#declareDestination(channel, subscription.destination);
    await channel.assertQueue(deadLetters, { durable: true, arguments: queueArguments(type) });
    await channel.assertQueue(queue, { durable: true, arguments: queueArguments(type, deadLetters) });
    await channel.bindQueue(queue, exchange, '');
  }

  /** On every new connection: declares again what was declared, in case the broker lost it. */
  async #redeclare(model: ChannelModel): Promise<void> {
    this.#existing.clear();
    if (this.#destinations.size === 0) return;
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    for (const destination of this.#destinations) await this.#declareDestination(channel, destination);
    for (const subscription of this.#subscriptions.values())
      await this.#declareSubscription(channel, subscription);
    await channel.close();
    for (const destination of this.#destinations) this.#existing.add(destination);
  }

  /** Publishing to a missing exchange would close the publish channel: find out first. */
  async #ensureDestination(destination: string, exchange: string): Promise<void> {
    if (this.#existing.has(destination)) return;
    await this.#connection
      .withChannel(async (channel) => {
        if (this.#destinations.has(destination)) {
          // Ours, but gone or never checked: declare it again with its groups' bindings, which
          // went with it if the exchange was deleted.
          await this.#declareDestination(channel, destination);
          for (const subscription of this.#subscriptions.values())
            if (subscription.destination === destination)
              await this.#declareSubscription(channel, subscription);
        } else {
          await channel.checkExchange(exchange);
        }
      })
      .catch((error: unknown) => {
        if (amqpCode(error) === 404)
          throw new StateError(
            `Destination '${destination}' has not been declared (no exchange '${exchange}'): declare it with transport.declare({ destinations: ['${destination}'] }) first`,
            { cause: error },
          );
        throw brokerError(error, `Could not check destination '${destination}'`);
      });
    this.#existing.add(destination);
  }

  /** A subscription declared elsewhere (another process) is adopted: declared again after a reconnect. */
  async #ensureSubscription(subscription: Subscription, queue: string): Promise<void> {
    const key = subscriptionKey(subscription);
    if (this.#subscriptions.has(key)) return;
    await this.#connection
      .withChannel((channel) => channel.checkQueue(queue))
      .catch((error: unknown) => {
        if (amqpCode(error) === 404)
          throw new StateError(
            `Subscription '${subscription.destination}' / '${subscription.group}' has not been declared (no queue '${queue}'): declare it with transport.declare({ subscriptions: [...] }) first`,
            { cause: error },
          );
        throw brokerError(error, `Could not check queue '${queue}'`);
      });
    this.#subscriptions.set(key, { destination: subscription.destination, group: subscription.group });
    this.#destinations.add(subscription.destination);
  }
}

/**
 * Connects to RabbitMQ and resolves with a transport once the connection is up; rejects with a
 * `TransportUnavailableError` if the first attempt fails, and reconnects by itself after that.
 * @example
 * const transport = await rabbitmqTransport({ url: 'amqp://guest:guest@localhost:5672' });
 * await transport.declare({ subscriptions: [{ destination: 'orders.events', group: 'billing' }] });
 * await transport.consume({ destination: 'orders.events', group: 'billing' }, async (delivery) => {
 *   console.log(delivery.message.type);
 *   await delivery.ack();
 * });
 * await transport.publish('orders.events', [{ id: 'm-1', type: 'OrderPlaced', body: '{}', headers: {} }]);
 */
export function rabbitmqTransport(options: RabbitMqTransportOptions): Promise<RabbitMqTransport> {
  return RabbitMqTransport.open(options);
}
