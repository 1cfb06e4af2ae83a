/**
 * Messaging configuration, and the topology it implies. A service owns two destinations:
 * `<service>.commands` (its command queue: the service's nodes compete for it) and
 * `<service>.events` (what it publishes: every subscribing service gets its own copy). Routing
 * is configuration: the same `send` call site reaches a local handler or the owning service.
 */
import { ValidationError } from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';
import { checkChannelName } from '../transport/transport-input.js';
import type { Delivery, Subscription, Topology, Transport } from '../transport/transport.js';

export interface MessageRetryPolicy {
  /** Attempts per message, the first included, before it is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  /** Delay before the second attempt (default 100 ms); doubled each time, with jitter. */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts (default 30 s). */
  readonly maxDelayMs?: number;
}

export interface RelayOptions {
  /** Messages claimed per round trip (default 100). */
  readonly batchSize?: number;
  /** How long a claim holds: a relay that dies frees its messages after this (default 30 s). */
  readonly leaseMs?: number;
  /** How often an idle relay looks for messages written by other processes (default 500 ms). */
  readonly pollIntervalMs?: number;
}

export interface MessagingOptions {
  readonly transport: Transport;
  /** This service's name: the group its consumers join, and the prefix of its destinations. */
  readonly service: string;
  /** Commands handled by other services: message type → owning service. */
  readonly commandRoutes?: Readonly<Record<string, string>>;
  /** Event types this service publishes to others (through `publish`, from the outbox). */
  readonly publishedEvents?: readonly string[];
  /** Services whose published events this service's event handlers receive. */
  readonly subscribeTo?: readonly string[];
  /** How often a failing handler is retried before its message is dead-lettered. */
  readonly retry?: MessageRetryPolicy;
  readonly relay?: RelayOptions;
  /** Deliveries each consumer handles at once (default 16). */
  readonly prefetch?: number;
  /**
   * Messages handled in one transaction, when that many arrive together (default 1). Larger
   * batches commit once for many messages (far higher throughput on a database that waits for
   * its disk), but if one message fails, the others of its batch run again one by one: keep a
   * handler's side effects in its transaction (`ctx.store`, `ctx.send`), as you should anyway.
   */
  readonly batchSize?: number;
  /** Run the outbox relay on this node (default true). */
  readonly runRelay?: boolean;
  /** Consume this service's queues on this node (default true). */
  readonly runConsumers?: boolean;
  /**
   * Hears the errors messaging recovers from by itself: a handler attempt that failed (with its
   * delivery), a publish the relay will retry, a broker not answering yet. For logs and alerts;
   * the default writes a warning through the app's logger (and `app.relay` and `app.consumer`
   * count them).
   */
  readonly onError?: (error: unknown, delivery?: Delivery) => void;
}

export const commandsOf = (service: string) => `${service}.commands`;
export const eventsOf = (service: string) => `${service}.events`;

/** Messaging options, checked, with their defaults and the routing they imply. */
export class MessagingPlan {
  readonly service: string;
  readonly transport: Transport;
  readonly retry: Required<MessageRetryPolicy>;
  readonly relay: Required<RelayOptions>;
  readonly prefetch: number;
  readonly batchSize: number;
  readonly runRelay: boolean;
  readonly runConsumers: boolean;
  /** The app logs through its logger when none is given. */
  readonly onError: ((error: unknown, delivery?: Delivery) => void) | undefined;
  readonly #commandRoutes: ReadonlyMap<string, string>;
  readonly #published: ReadonlySet<string>;
  readonly #subscribeTo: readonly string[];

  constructor(options: MessagingOptions) {
    const subject = 'messaging';
    checkChannelName(options.service, 'service', subject);
    for (const [type, owner] of Object.entries(options.commandRoutes ?? {}))
      checkChannelName(owner, `commandRoutes.${type}`, subject);
    for (const service of options.subscribeTo ?? []) checkChannelName(service, 'subscribeTo', subject);
    if (!options.transport || typeof options.transport.publish !== 'function')
      throw new ValidationError([{ message: 'must be a Transport', path: ['transport'] }], subject);
    this.service = options.service;
    this.transport = options.transport;
    this.#commandRoutes = new Map(Object.entries(options.commandRoutes ?? {}));
    this.#published = new Set(options.publishedEvents ?? []);
    this.#subscribeTo = [...new Set(options.subscribeTo ?? [])];
    this.retry = retryPolicy(options.retry);
    this.relay = relayPolicy(options.relay);
    this.prefetch = positive(options.prefetch, 16, 'prefetch');
    this.batchSize = positive(options.batchSize, 1, 'batchSize');
    this.runRelay = options.runRelay ?? true;
    this.runConsumers = options.runConsumers ?? true;
    this.onError = options.onError;
  }

  /** Where a message leaves for, or undefined when it stays in process. */
  destinationOf(kind: MessageKind, type: string): string | undefined {
    if (kind === 'command') {
      const owner = this.#commandRoutes.get(type);
      return owner === undefined || owner === this.service ? undefined : commandsOf(owner);
    }
    if (kind === 'event') return this.#published.has(type) ? eventsOf(this.service) : undefined;
    return undefined;
  }

  /** What this service consumes: its command queue, and the events of the services it follows. */
  get subscriptions(): Subscription[] {
    return [
      { destination: commandsOf(this.service), group: this.service },
      ...this.#subscribeTo.map((other) => ({ destination: eventsOf(other), group: this.service })),
    ];
  }

  /**
   * Everything this service sends to or reads from. It declares the command queues of the
   * services it sends to as well: a command sent before its owner ever started must wait in
   * the owner's queue, not be dropped for want of a reader.
   */
  get topology(): Topology {
    const owners = new Set([...this.#commandRoutes.values()].filter((owner) => owner !== this.service));
    return {
      destinations: [commandsOf(this.service), eventsOf(this.service), ...[...owners].map(commandsOf)],
      subscriptions: [
        ...this.subscriptions,
        ...[...owners].map((owner) => ({ destination: commandsOf(owner), group: owner })),
      ],
    };
  }
}

/** A retry policy, checked, with its defaults. */
export function retryPolicy(retry: MessageRetryPolicy = {}): Required<MessageRetryPolicy> {
  return {
    maxAttempts: positive(retry.maxAttempts, 5, 'retry.maxAttempts'),
    initialDelayMs: positive(retry.initialDelayMs, 100, 'retry.initialDelayMs'),
    maxDelayMs: positive(retry.maxDelayMs, 30_000, 'retry.maxDelayMs'),
  };
}

/** Relay settings, checked, with their defaults. */
export function relayPolicy(relay: RelayOptions = {}): Required<RelayOptions> {
  return {
    batchSize: positive(relay.batchSize, 100, 'relay.batchSize'),
    leaseMs: positive(relay.leaseMs, 30_000, 'relay.leaseMs'),
    pollIntervalMs: positive(relay.pollIntervalMs, 500, 'relay.pollIntervalMs'),
  };
}

function positive(value: number | undefined, fallback: number, path: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ValidationError([{ message: 'must be a positive integer', path: [path] }], 'messaging');
  return n;
}
