/**
 * The transport on NATS JetStream. A destination is a stream, a group is a durable pull
 * consumer on it, a publish waits for JetStream's PubAck, and message ids are JetStream
 * message ids, so a repeated publish within the duplicate window is stored once.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, errors, RequestError, type NatsConnection } from '@nats-io/transport-node';
import {
  StateError,
  ValidationError,
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
import { natsSettings, type NatsSettings, type NatsTransportOptions } from './config.js';
import { DeadLetters } from './dead-letters.js';
import { describe, isNotFound, NatsUnavailableError } from './errors.js';
import { encodeMessage, msgId, type NatsPayload } from './message-codec.js';
import { Names } from './names.js';
import { pingNats } from './ping.js';
import { PullConsumption } from './pull-consumption.js';
import { checkedServers, LazyNatsTransport } from './lazy-nats-transport.js';
import { TopologyDeclarer } from './topology.js';

export const NATS_CAPABILITIES: TransportCapabilities = {
  // JetStream hands a durable's messages to competing pullers with no regard for keys.
  orderedKeys: false,
  deduplicatesPublishes: true,
  countsDeliveries: true,
};

/**
 * A connection to NATS JetStream carrying Whizbang messages. Make it with {@link natsTransport};
 * several transports (in one process or many) share the server's streams and consumers, as
 * processes sharing a broker do.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  readonly capabilities: TransportCapabilities = NATS_CAPABILITIES;
  readonly names: Names;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #topology: TopologyDeclarer;
  readonly #deadLetters: DeadLetters;
  readonly #consumptions = new Set<PullConsumption>();
  #connected = true;
  #closed = false;

  constructor(
    /** The NATS connection, for health checks and metrics; the transport owns it and closes it. */
    readonly connection: NatsConnection,
    jsm: JetStreamManager,
    private readonly settings: NatsSettings,
  ) {
    this.names = new Names(settings.prefix);
    this.#jsm = jsm;
    this.#js = jetstream(connection, { timeout: settings.requestTimeoutMs });
    this.#topology = new TopologyDeclarer(jsm, this.names, settings);
    this.#deadLetters = new DeadLetters(this.#js, jsm, this.names, settings.requestTimeoutMs);
    this.#watch().catch((error: unknown) =>
      settings.onError(
        new Error(`Watching the NATS connection failed: ${describe(error)}`, { cause: error }),
      ),
    );
  }

  async declare(topology: Topology): Promise<void> {
    this.#assertOpen();
    checkTopology(topology);
    await this.#topology
      .declare(topology)
      .catch((error: unknown) => this.#fail('declare the topology', error));
  }

  async publish(destination: string, messages: readonly TransportMessage[]): Promise<void> {
    this.#assertOpen();
    checkPublish(destination, messages);
    if (messages.length === 0) return;
    if (!this.#connected)
      throw new NatsUnavailableError(
        `Cannot publish to '${destination}': the connection to NATS is down and reconnecting; nothing was sent, publish again later`,
      );
    const subject = this.names.subject(destination);
    const payloads = messages.map((message) => ({ message, ...encodeMessage(message) }));
    this.#checkSize(payloads);
    const results = await Promise.allSettled(
      payloads.map(({ message, data, headers }) =>
        this.#js.publish(subject, data, {
          msgID: msgId(message),
          headers,
          timeout: this.settings.requestTimeoutMs,
        }),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) await this.#publishFailed(destination, failed.reason, messages.length);
  }

  async consume(
    subscription: Subscription,
    handler: (delivery: Delivery) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<Consumption> {
    this.#assertOpen();
    checkSubscription(subscription, 'transport.consume');
    const prefetch = checkConsumeOptions(options);
    const consumer = await this.#js.consumers
      .get(this.names.stream(subscription.destination), this.names.consumer(subscription))
      .catch((error: unknown) => {
        if (isNotFound(error)) throw notDeclared(subscription, error);
        return this.#fail(`consume '${subscription.destination}' / '${subscription.group}'`, error);
      });
    this.#assertOpen();
    const consumption = new PullConsumption({
      subscription: { destination: subscription.destination, group: subscription.group },
      consumer,
      handler,
      prefetch,
      ackWaitMs: this.settings.ackWaitMs,
      timeoutMs: this.settings.requestTimeoutMs,
      park: (msg, message, reason) => this.#deadLetters.park(subscription, msg, message, reason),
      onError: this.settings.onError,
    });
    this.#consumptions.add(consumption);
    return {
      stop: async () => {
        await consumption.stop();
        this.#consumptions.delete(consumption);
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
    return this.#deadLetters
      .take(subscription, limit)
      .catch((error: unknown) => this.#fail(`take dead letters of '${subscription.destination}'`, error));
  }

  /**
   * A round trip to the server and one to JetStream, bounded by `requestTimeoutMs`; rejects with
   * `NatsUnavailableError` at once while the connection is down, and once the transport is closed.
   */
  async ping(): Promise<void> {
    const servers = this.settings.servers.join(', ');
    if (this.#closed || this.connection.isClosed())
      throw new NatsUnavailableError(`Cannot ping NATS at ${servers}: the transport is closed`);
    if (!this.#connected)
      throw new NatsUnavailableError(
        `NATS at ${servers} is not reachable: the connection is down and reconnecting in the background`,
      );
    await pingNats({
      connection: this.connection,
      jsm: this.#jsm,
      servers,
      timeoutMs: this.settings.requestTimeoutMs,
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const consumption of this.#consumptions) consumption.abandon();
    this.#consumptions.clear();
    // Closing flushes what is buffered (the give-backs above) when the server is there, and
    // returns at once when it is not.
    await this.connection.close();
  }

  /** Tracks the connection: publishes fail fast while it is down, and pulls restart when it is back. */
  async #watch(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') this.#connected = false;
      else if (status.type === 'reconnect') {
        this.#connected = true;
        for (const consumption of this.#consumptions) consumption.repull();
      }
    }
  }

  /** The server's size limit, checked for the whole batch before any of it is sent. */
  #checkSize(payloads: readonly NatsPayload[]): void {
    const max = this.connection.info?.max_payload;
    if (!max) return;
    const issues = payloads.flatMap(({ size }, i) =>
      size > max
        ? [
            {
              message: `is ${size} bytes with its headers; this NATS server takes at most ${max} per message (max_payload)`,
              path: [`messages[${i}].body`],
            },
          ]
        : [],
    );
    if (issues.length > 0) throw new ValidationError(issues, 'transport.publish');
  }

  async #publishFailed(destination: string, error: unknown, count: number): Promise<never> {
    if (isNoResponders(error)) {
      // No stream took the subject: either the destination was never declared, or JetStream is not up.
      const stream = this.names.stream(destination);
      const missing = await this.#jsm.streams.info(stream).then(
        () => false,
        (infoError: unknown) => isNotFound(infoError),
      );
      if (missing)
        throw new StateError(
          `Destination '${destination}' has not been declared (no JetStream stream '${stream}'): declare it first`,
          { cause: error },
        );
    }
    const some = count > 1 ? 'some of the messages may have been stored' : 'the message may have been stored';
    throw new NatsUnavailableError(
      `NATS JetStream did not confirm the publish to '${destination}' (${describe(error)}); ${some}: publish again, the message ids make the repeat harmless`,
      { cause: error },
    );
  }

  #fail(action: string, error: unknown): never {
    if (this.#closed)
      throw new StateError(`The NATS transport was closed while trying to ${action}`, { cause: error });
    if (error instanceof StateError || !isTransient(error)) throw error;
    throw new NatsUnavailableError(
      `Could not ${action}: NATS did not answer (${describe(error)}); try again`,
      {
        cause: error,
      },
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('The NATS transport is closed');
    if (this.connection.isClosed())
      throw new StateError(
        'The NATS connection has closed for good (reconnecting gave up): make a new transport',
      );
  }
}

const notDeclared = (subscription: Subscription, cause: unknown) =>
  new StateError(
    `Subscription '${subscription.destination}' / '${subscription.group}' has not been declared: declare it first`,
    { cause },
  );

const isNoResponders = (error: unknown): boolean =>
  error instanceof RequestError
    ? error.isNoResponders()
    : error instanceof Error && error.cause !== undefined && isNoResponders(error.cause);

const isTransient = (error: unknown): boolean =>
  error instanceof errors.TimeoutError ||
  error instanceof errors.ClosedConnectionError ||
  error instanceof errors.ConnectionError ||
  isNoResponders(error);

/**
 * Connects to NATS and returns the transport. The connection reconnects by itself; the
 * transport's consumers resume when it does.
 * @example
 * const transport = await natsTransport({ servers: 'nats://127.0.0.1:4222' });
 * await transport.declare({ subscriptions: [{ destination: 'orders.events', group: 'billing' }] });
 * await transport.consume({ destination: 'orders.events', group: 'billing' }, async (delivery) => {
 *   console.log(delivery.message.type);
 *   await delivery.ack();
 * });
 * await transport.publish('orders.events', [{ id: 'e-1', type: 'OrderPlaced', body: '{}', headers: {} }]);
 */
export function natsTransport(
  options: NatsTransportOptions & { readonly lazyConnect: true },
): Promise<LazyNatsTransport>;
export function natsTransport(options?: NatsTransportOptions): Promise<NatsTransport>;
export async function natsTransport(
  options: NatsTransportOptions = {},
): Promise<NatsTransport | LazyNatsTransport> {
  if (options.lazyConnect)
    return new LazyNatsTransport(NATS_CAPABILITIES, () => connectTransport(options), checkedServers(options));
  return connectTransport(options);
}

async function connectTransport(options: NatsTransportOptions): Promise<NatsTransport> {
  const settings = natsSettings(options);
  let connection: NatsConnection;
  try {
    connection = await connect({
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      timeout: settings.requestTimeoutMs,
      ...settings.connectionOptions,
      servers: settings.servers,
    });
  } catch (error) {
    throw new NatsUnavailableError(
      `Cannot connect to NATS at ${settings.servers.join(', ')} (${describe(error)}): is the server running, with JetStream enabled (-js)?`,
      { cause: error },
    );
  }
  try {
    const jsm = await jetstreamManager(connection, { timeout: settings.requestTimeoutMs });
    return new NatsTransport(connection, jsm, settings);
  } catch (error) {
    await connection.close();
    throw new NatsUnavailableError(
      `NATS at ${settings.servers.join(', ')} has no JetStream (${describe(error)}): start the server with -js`,
      { cause: error },
    );
  }
}
