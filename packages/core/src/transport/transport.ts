/**
 * The transport port: how messages cross process boundaries through a broker. Every transport
 * (in-memory, RabbitMQ, NATS JetStream, Redis Streams) has the same model:
 *
 * - A **destination** is a named channel messages are published to (`orders.commands`,
 *   `orders.events`).
 * - A **subscription** is a (destination, group) pair. Every group of a destination receives
 *   every message published after the group was declared (broadcast across groups); the
 *   consumers of one group compete, and each message goes to one of them. A service's command
 *   queue is one group; each service that listens to another's events is a group of its own.
 * - A **delivery** is settled exactly once: `ack` (done), `nack` (give it back for redelivery)
 *   or `deadLetter` (park it in the subscription's dead-letter queue with a reason). A delivery
 *   left unsettled by a consumer that dies or disconnects is redelivered to another consumer
 *   of the group.
 *
 * Delivery is at least once. The inbox turns that into an exactly-once effect; the transport
 * itself promises only that `publish` resolves after the broker has durably accepted every
 * message, and that nothing acknowledged by `publish` is lost.
 */

/** A message as it crosses a broker: an envelope's identity, body and metadata. */
export interface TransportMessage {
  /** The message id: inboxes (and brokers that can) de-duplicate on it. */
  readonly id: string;
  /** The message type (`PlaceOrder`); consumers dispatch on it. */
  readonly type: string;
  /** The payload, as text (JSON for Whizbang envelopes). */
  readonly body: string;
  /** String headers: correlation and causation ids, tenant, W3C trace context, user headers. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Messages with the same key are delivered in publish order, one at a time, where the
   * transport can promise it (`capabilities.orderedKeys`).
   */
  readonly key?: string;
}

export interface Subscription {
  readonly destination: string;
  /** Consumers with the same group compete; every group gets every message. */
  readonly group: string;
}

/** What a topology declares: the destinations, and the groups that read them. */
export interface Topology {
  readonly destinations?: readonly string[];
  readonly subscriptions?: readonly Subscription[];
}

export interface Delivery {
  readonly message: TransportMessage;
  readonly subscription: Subscription;
  /**
   * How many times this message has been delivered to the group, this time included (1 on
   * first delivery). Transports that cannot tell a redelivery from a first one report 1.
   */
  readonly deliveryCount: number;
  /** Done: the message is not delivered to this group again. */
  ack(): Promise<void>;
  /** Not done: give it back, to be delivered again (to this or another consumer). */
  nack(): Promise<void>;
  /** Park it in the subscription's dead-letter queue with `reason`; it is not delivered again. */
  deadLetter(reason: string): Promise<void>;
}

/** A message taken from a dead-letter queue. */
export interface DeadLetteredMessage {
  readonly message: TransportMessage;
  readonly reason: string;
}

export interface ConsumeOptions {
  /** How many deliveries may be in flight (unsettled) at once for this consumer (default 16). */
  readonly prefetch?: number;
}

/** A running consumer. */
export interface Consumption {
  /**
   * Stops taking deliveries and waits for the handlers in flight to settle theirs. Deliveries
   * still unsettled after that are given back to the group.
   */
  stop(): Promise<void>;
}

/** What a transport can promise beyond the common contract. */
export interface TransportCapabilities {
  /** Messages with the same key reach a group in publish order, one at a time. */
  readonly orderedKeys: boolean;
  /** Publishing a message id twice (within the broker's window) delivers it once. */
  readonly deduplicatesPublishes: boolean;
  /** `deliveryCount` counts redeliveries. */
  readonly countsDeliveries: boolean;
}

export interface Transport {
  /** For logs, health and the dashboard: `memory`, `rabbitmq`, `nats`, `redis`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /** Creates destinations and groups that do not exist yet; changes nothing that does. */
  declare(topology: Topology): Promise<void>;
  /**
   * Publishes to a declared destination. Resolves once the broker has durably accepted every
   * message; rejects if it cannot say so (then some may have been accepted: publish again, the
   * inbox makes the repeat harmless).
   */
  publish(destination: string, messages: readonly TransportMessage[]): Promise<void>;
  /**
   * Starts a consumer of a declared subscription. `handler` is called once per delivery and
   * must settle it; a handler that throws without settling has its delivery nacked.
   */
  consume(
    subscription: Subscription,
    handler: (delivery: Delivery) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<Consumption>;
  /** Removes and returns up to `limit` messages (default 100) from a subscription's dead-letter queue, oldest first. */
  takeDeadLetters(
    subscription: Subscription,
    options?: { readonly limit?: number },
  ): Promise<DeadLetteredMessage[]>;
  /**
   * Resolves when the broker answers a round trip now; rejects (`TransportUnavailableError`, with
   * the cause) when it does not, when the transport is closed, or when the answer takes longer
   * than the transport's request timeout: a ping never hangs. It changes nothing on the broker,
   * so a readiness probe (`/health/ready`) may call it as often as it likes.
   * @example
   * const started = performance.now();
   * await transport.ping(); // throws TransportUnavailableError while the broker is away
   * console.log(`${transport.name} answered in ${performance.now() - started} ms`);
   */
  ping(): Promise<void>;
  /** Stops every consumer and closes the connection; unsettled deliveries go back to their groups. */
  close(): Promise<void>;
}
