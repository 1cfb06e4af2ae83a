/**
 * Options of the RabbitMQ transport, and their defaults in one place so the README, the code
 * and the tests agree on them.
 */
import { ValidationError } from '@whizbang/core';

export interface RabbitMqTransportOptions {
  /**
   * The broker, as an AMQP URL: `amqp://user:password@host:5672/vhost` (`amqps://` for TLS).
   * amqplib's URL parameters (`frameMax`, `heartbeat`, ...) apply.
   */
  readonly url: string;
  /**
   * Put in front of every exchange and queue name (default none), so several environments or
   * test runs can share a virtual host: letters, digits, `.`, `_`, `-`, `:`, at most 40.
   */
  readonly prefix?: string;
  /**
   * `quorum` (default) queues are replicated and count deliveries (`x-delivery-count`), so
   * `deliveryCount` is exact. `classic` is for brokers or policies without quorum queues; a
   * redelivery is then only known as such, and reported as 2.
   */
  readonly queueType?: 'quorum' | 'classic';
  /**
   * How often the connection sends heartbeats, in seconds (default 10; a `heartbeat` in the URL
   * wins). A connection that misses two is taken as dead and reconnected, which bounds how long
   * a silently dropped link goes unnoticed.
   */
  readonly heartbeatSeconds?: number;
  /**
   * How long the first connection attempt may take before `rabbitmqTransport` rejects, and how
   * long `ping()` waits for the broker's answer (ms, default 10,000).
   */
  readonly connectTimeoutMs?: number;
  /**
   * Resolve at once and connect in the background, retrying until the broker answers (default
   * false: `rabbitmqTransport` waits for the first connection and rejects if it fails, so a wrong
   * URL shows at start). Lazily, a process can start while the broker is down: until it is up,
   * every call rejects with `TransportUnavailableError`, which `whizbang({ messaging })` retries.
   */
  readonly lazyConnect?: boolean;
  /** Backoff between reconnection attempts: the first delay and the cap (ms, defaults 100 and 5,000). */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Shown in the management UI's connection list (default `whizbang`). */
  readonly connectionName?: string;
}

export interface ResolvedOptions {
  readonly url: string;
  /** The URL without its password, for error messages. */
  readonly displayUrl: string;
  readonly prefix: string;
  readonly queueType: 'quorum' | 'classic';
  readonly connectTimeoutMs: number;
  readonly lazyConnect: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly connectionName: string;
}

const PREFIX = /^[A-Za-z0-9_.:-]{0,40}$/;

export function resolveOptions(options: RabbitMqTransportOptions): ResolvedOptions {
  const issues: { message: string; path: string[] }[] = [];
  const issue = (path: string, message: string) => issues.push({ path: [path], message });
  let url: URL | undefined;
  try {
    url = new URL(options.url);
    if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:')
      issue('url', 'must be an amqp:// or amqps:// URL');
  } catch {
    issue('url', 'must be an amqp:// or amqps:// URL');
  }
  const prefix = options.prefix ?? '';
  if (!PREFIX.test(prefix)) issue('prefix', "must be at most 40 letters, digits, '.', '_', '-' or ':'");
  const queueType = options.queueType ?? 'quorum';
  if (queueType !== 'quorum' && queueType !== 'classic') issue('queueType', "must be 'quorum' or 'classic'");
  const positive = (path: string, value: number | undefined, fallback: number, max: number) => {
    const n = value ?? fallback;
    if (!Number.isSafeInteger(n) || n < 0 || n > max) issue(path, `must be an integer from 0 to ${max}`);
    return n;
  };
  const heartbeat = positive('heartbeatSeconds', options.heartbeatSeconds, 10, 3600);
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs, 10_000, 600_000);
  const initialDelayMs = positive(
    'reconnect.initialDelayMs',
    options.reconnect?.initialDelayMs,
    100,
    600_000,
  );
  const maxDelayMs = positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 5_000, 600_000);
  if (issues.length > 0 || !url) throw new ValidationError(issues, 'rabbitmqTransport options');
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(heartbeat));
  const display = new URL(url);
  if (display.password) display.password = '***';
  return {
    url: url.toString(),
    displayUrl: `${display.protocol}//${display.host}${display.pathname}`.replace(/\/$/, ''),
    prefix,
    queueType,
    connectTimeoutMs,
    lazyConnect: options.lazyConnect ?? false,
    initialDelayMs,
    maxDelayMs: Math.max(maxDelayMs, initialDelayMs),
    connectionName: options.connectionName ?? 'whizbang',
  };
}
