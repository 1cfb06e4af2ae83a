/**
 * Options of the NATS JetStream transport, checked once when it is made so a bad value fails
 * at start-up with a message naming it, not later inside a consumer.
 */
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { ValidationError, type ValidationIssue } from '@whizbang/core';
import { PREFIX } from './names.js';

export interface NatsTransportOptions {
  /** Server URL or URLs (default `nats://127.0.0.1:4222`). */
  readonly servers?: string | readonly string[];
  /**
   * Further options of the NATS connection: credentials, TLS, a client name. The transport
   * sets `servers`, and reconnects forever unless you set `maxReconnectAttempts`.
   */
  readonly connectionOptions?: Omit<NodeConnectionOptions, 'servers'>;
  /**
   * Starts every stream name (`<prefix>_orders_events`) and subject (`<prefix>.orders.events`)
   * the transport makes, so several applications can share an account. Letters and digits,
   * at most 32 (default `whizbang`).
   */
  readonly prefix?: string;
  /**
   * How long JetStream waits for a delivery to be settled before it gives it to another
   * consumer, once the consumer holding it has died or lost its connection (ms, default
   * 30,000). A live consumer renews its deliveries while its handler runs, so a slow handler
   * is not raced by a redelivery. Applies to consumers created by `declare`; existing ones keep theirs.
   */
  readonly ackWaitMs?: number;
  /** JetStream's de-duplication window for message ids (ms, default 120,000). */
  readonly duplicateWindowMs?: number;
  /**
   * How long `publish`, the confirmed settles and `ping` wait for the server before rejecting
   * (ms, default 10,000). While the connection is down, `publish` and `ping` reject at once.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Resolve at once and connect in the background, retrying with back-off until the server
   * answers (default false: `natsTransport` connects before it resolves and rejects if it
   * cannot). Lazily, a process can start while NATS is down; until it is connected every call
   * rejects with `NatsUnavailableError`, which `whizbang({ messaging })` retries.
   */
  readonly lazyConnect?: boolean;
  /** Replicas of the streams the transport creates, for a JetStream cluster (1 to 5, default 1). */
  readonly replicas?: number;
  /**
   * Called with the errors a consumer recovers from by itself, such as a pull that failed while
   * the server restarted (default: `console.warn`, once per run of failures).
   */
  readonly onError?: (error: Error) => void;
}

export interface NatsSettings {
  readonly servers: string[];
  readonly connectionOptions: Omit<NodeConnectionOptions, 'servers'>;
  readonly prefix: string;
  readonly ackWaitMs: number;
  readonly duplicateWindowMs: number;
  readonly requestTimeoutMs: number;
  readonly replicas: number;
  readonly onError: (error: Error) => void;
}

function positive(issues: ValidationIssue[], name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    issues.push({ message: `must be an integer from ${min} to ${max}`, path: [name] });
  return value;
}

export function natsSettings(options: NatsTransportOptions): NatsSettings {
  const issues: ValidationIssue[] = [];
  const servers = [options.servers ?? 'nats://127.0.0.1:4222'].flat();
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0))
    issues.push({ message: 'must be one or more server URLs', path: ['servers'] });
  const prefix = options.prefix ?? 'whizbang';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    issues.push({ message: 'must be 1 to 32 letters and digits', path: ['prefix'] });
  const settings: NatsSettings = {
    servers,
    connectionOptions: options.connectionOptions ?? {},
    prefix,
    ackWaitMs: positive(issues, 'ackWaitMs', options.ackWaitMs ?? 30_000, 1_000, 86_400_000),
    duplicateWindowMs: positive(
      issues,
      'duplicateWindowMs',
      options.duplicateWindowMs ?? 120_000,
      1_000,
      86_400_000,
    ),
    requestTimeoutMs: positive(issues, 'requestTimeoutMs', options.requestTimeoutMs ?? 10_000, 100, 600_000),
    replicas: positive(issues, 'replicas', options.replicas ?? 1, 1, 5),
    onError: options.onError ?? ((error) => console.warn(`[whizbang/nats] ${error.message}`)),
  };
  if (issues.length > 0) throw new ValidationError(issues, 'natsTransport');
  return settings;
}
