/**
 * The transport on Redis Streams. A destination is a stream; a subscription is a consumer
 * group on it, created at `$` so a group gets what is published after it was declared; each
 * `consume` call is a consumer of its own in the group, so consumers of a group compete and
 * groups each get everything. Dead letters go to a stream per subscription.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  StateError,
  TransportUnavailableError,
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
import { transportConfig, type RedisTransportOptions, type TransportConfig } from './config.js';
import {
  closeConnection,
  openCommandConnection,
  openReaderConnection,
  ping,
  Readiness,
  watchConnection,
  type Client,
} from './connections.js';
import { groupExists, takeDeadLetters } from './scripts.js';
import { StreamConsumer } from './stream-consumer.js';
import { deadLetterKey, messageFields, readEntry, streamKey } from './stream-entries.js';

/**
 * A group no subscription can be named (`:` is not allowed in names), created and destroyed
 * in one transaction only to make a destination's stream exist.
 */
const DECLARE_PROBE = 'whizbang:declare';

const isBusyGroup = (error: unknown) => String((error as Error | null)?.message).startsWith('BUSYGROUP');

/**
 * The Redis Streams transport; make one with {@link redisTransport}. One command connection
 * (publish, settle, declare) plus one connection per running consumer for its blocking reads.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  /**
   * Consumers of a group read concurrently, so one key's messages can be handled at once by
   * two of them: no key ordering. Redis has no publish de-duplication. Delivery counts come
   * from the pending-entries list and are exact.
   */
  readonly capabilities: TransportCapabilities = {
    orderedKeys: false,
    deduplicatesPublishes: false,
    countsDeliveries: true,
  };
  readonly #config: TransportConfig;
  readonly #redis: Client;
  readonly #ready: Readiness;
  readonly #ownsConnection: boolean;
  readonly #consumers = new Set<StreamConsumer>();
  readonly #consumerPrefix = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  #consumerCount = 0;
  #closed = false;

  constructor(options: RedisTransportOptions = {}) {
    this.#config = transportConfig(options);
    this.#ownsConnection = options.client === undefined;
    this.#redis = options.client ?? openCommandConnection(options.url, options.redis);
    // ioredis reports connection trouble as 'error' events; the caller's own client is theirs to watch.
    if (this.#ownsConnection) watchConnection(this.#redis, 'command', this.#config.onError);
    this.#ready = new Readiness(this.#redis);
  }

  async declare(topology: Topology): Promise<void> {
    this.#assertOpen();
    checkTopology(topology);
    await this.#ready.check('declare the topology');
    const tx = this.#redis.multi();
    for (const destination of topology.destinations ?? []) {
      const key = this.#streamKey(destination);
      tx.xgroup('CREATE', key, DECLARE_PROBE, '$', 'MKSTREAM').xgroup('DESTROY', key, DECLARE_PROBE);
    }
    for (const { destination, group } of topology.subscriptions ?? [])
      tx.xgroup('CREATE', this.#streamKey(destination), group, '$', 'MKSTREAM');
    const failure = (await tx.exec())?.find(([error]) => error && !isBusyGroup(error))?.[0];
    if (failure)
      throw new StateError(`Redis refused to declare the topology: ${failure.message}`, { cause: failure });
  }

  async publish(destination: string, messages: readonly TransportMessage[]): Promise<void> {
    this.#assertOpen();
    checkPublish(destination, messages);
    if (messages.length === 0) return;
    await this.#ready.check(`publish to '${destination}'`);
    const key = this.#streamKey(destination);
    const tx = this.#redis.multi();
    // NOMKSTREAM: a destination nobody declared is an error, not a stream created by accident.
    for (const message of messages) tx.call('XADD', key, 'NOMKSTREAM', '*', ...messageFields(message));
    const replies = await tx.exec();
    if (!replies) throw new StateError(`Redis discarded the publish to '${destination}'; publish again`);
    const failure = replies.find(([error]) => error)?.[0];
    if (failure)
      throw new StateError(`Redis refused the publish to '${destination}': ${failure.message}`, {
        cause: failure,
      });
    if (replies[0]![1] === null)
      throw new StateError(
        `Destination '${destination}' has not been declared (there is no Redis stream '${key}'): declare it, or a subscription to it, first`,
      );
    const wait = this.#config.waitForReplicas;
    if (wait) {
      const confirmed = await this.#redis.wait(wait.replicas, wait.timeoutMs);
      if (confirmed < wait.replicas)
        throw new StateError(
          `Redis accepted the publish to '${destination}', but only ${confirmed} of ${wait.replicas} replicas confirmed it ` +
            `within ${wait.timeoutMs} ms, so a failover could lose it: publish again (the inbox makes the repeat harmless)`,
        );
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
    await this.#ready.check(`consume '${subscription.destination}' / '${subscription.group}'`);
    const key = this.#streamKey(subscription.destination);
    if ((await groupExists.run(this.#redis, [key], [subscription.group])) !== 1)
      throw new StateError(
        `Subscription '${subscription.destination}' / '${subscription.group}' has not been declared: declare it before consuming`,
      );
    this.#assertOpen(); // close() may have run while we asked
    const consumer = new StreamConsumer({
      command: this.#redis,
      commandReady: this.#ready,
      reader: openReaderConnection(this.#redis),
      subscription: { destination: subscription.destination, group: subscription.group },
      streamKey: key,
      deadLetterKey: deadLetterKey(this.#config.prefix, subscription),
      name: `${this.#consumerPrefix}-${++this.#consumerCount}`,
      prefetch,
      handler,
      config: this.#config,
    });
    this.#consumers.add(consumer);
    consumer.start();
    return {
      stop: async () => {
        await consumer.stop();
        this.#consumers.delete(consumer);
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
    await this.#ready.check(`take dead letters of '${subscription.destination}' / '${subscription.group}'`);
    const entries = (await takeDeadLetters.run(
      this.#redis,
      [deadLetterKey(this.#config.prefix, subscription)],
      [limit],
    )) as [string, string[]][];
    return entries.map(([id, fields]) => {
      const { message, fields: all } = readEntry(id, fields);
      return { message, reason: all.get('reason') ?? '' };
    });
  }

  /**
   * `PING` on the command connection, bounded by the client's `commandTimeout` (10 s without one);
   * rejects with `TransportUnavailableError` at once while the connection is down, and once closed.
   */
  async ping(): Promise<void> {
    if (this.#closed)
      throw new TransportUnavailableError('redis', 'Cannot ping Redis: the transport is closed');
    await ping(this.#ready);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.abandon()));
    this.#consumers.clear();
    if (this.#ownsConnection) await closeConnection(this.#redis);
  }

  #streamKey(destination: string): string {
    return streamKey(this.#config.prefix, destination);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('The Redis transport is closed');
  }
}

/**
 * A transport on Redis Streams (Redis 7.0 or later).
 * @example
 * const transport = redisTransport({ url: 'redis://127.0.0.1:6379', prefix: 'shop:' });
 * await transport.declare({ subscriptions: [{ destination: 'orders.events', group: 'billing' }] });
 * await transport.consume({ destination: 'orders.events', group: 'billing' }, async (delivery) => {
 *   console.log(delivery.message.type);
 *   await delivery.ack();
 * });
 * await transport.publish('orders.events', [{ id: 'o-1', type: 'OrderPlaced', body: '{}', headers: {} }]);
 */
export function redisTransport(options: RedisTransportOptions = {}): RedisTransport {
  return new RedisTransport(options);
}
