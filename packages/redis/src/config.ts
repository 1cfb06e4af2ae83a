/**
 * Options of the Redis Streams transport, checked once when it is made: a bad value fails at
 * start-up with a `ValidationError` naming the option, not later inside a background loop.
 */
import { ValidationError, type ValidationIssue } from '@whizbang/core';
import type { Redis, RedisOptions } from 'ioredis';

export interface RedisTransportOptions {
  /**
   * Where Redis is: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS
   * (default `redis://127.0.0.1:6379`). The transport owns the connections it opens and closes
   * them on `close()`.
   */
  readonly url?: string;
  /** ioredis options for the connections the transport opens (TLS, password, Sentinel, `retryStrategy`). */
  readonly redis?: RedisOptions;
  /**
   * Your own ioredis client instead of `url`/`redis`. The transport sends its commands on it and
   * never closes it; each consumer's blocking reads run on a `client.duplicate()` it does close.
   * For `publish` to fail fast while Redis is down, give it `enableOfflineQueue: false` and
   * `maxRetriesPerRequest: 0`, as the transport's own connections have; otherwise commands wait
   * in ioredis' queue by your settings.
   */
  readonly client?: Redis | Redis<'resp3'>;
  /** Prepended to every key the transport uses (default `whizbang:`): streams are `<prefix><destination>`. */
  readonly prefix?: string;
  /**
   * How long an entry may sit unacknowledged, with no sign of life from its consumer, before
   * another consumer of the group takes it over (ms, default 30,000). Live consumers renew
   * their entries every third of this, so a slow handler keeps its delivery; only a consumer
   * that died or lost Redis for this long loses it. This is the redelivery delay after a crash.
   */
  readonly claimIdleMs?: number;
  /**
   * The longest a consumer's blocking read waits before it looks for entries to take over and
   * tidies the stream (ms, default 2,000). Entries given back by a stopped consumer reach the
   * others within about this long.
   */
  readonly blockMs?: number;
  /**
   * Trim each stream of the entries every group has read and acknowledged (default true); no
   * entry a group has not read, or still has pending, is ever removed. Set false to keep the
   * streams as a history (they then grow until you trim them).
   */
  readonly trim?: boolean;
  /**
   * Also wait, after each publish, for this many replicas to have the messages (Redis `WAIT`);
   * `publish` rejects when fewer confirm within `timeoutMs`. Off by default: see the README on
   * what a Redis acknowledgement is worth.
   */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
  /**
   * Told about problems the transport recovers from by itself: a lost connection, a consumer
   * group that vanished and was re-created, a failed renewal (default: `console.warn`).
   */
  readonly onError?: (error: Error) => void;
}

export interface TransportConfig {
  readonly prefix: string;
  readonly claimIdleMs: number;
  readonly blockMs: number;
  readonly trim: boolean;
  readonly waitForReplicas: { readonly replicas: number; readonly timeoutMs: number } | undefined;
  readonly onError: (error: Error) => void;
}

const SUBJECT = 'redisTransport';

const warn = (error: Error) => console.warn(`[@whizbang/redis] ${error.message}`);

function integerIssue(value: unknown, path: string, min: number, max: number): ValidationIssue[] {
  if (value === undefined) return [];
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
    ? []
    : [{ message: `must be an integer from ${min} to ${max}`, path: [path] }];
}

/** Checks the options and fills in the defaults. */
export function transportConfig(options: RedisTransportOptions): TransportConfig {
  const issues: ValidationIssue[] = [];
  if (options.client !== undefined && (options.url !== undefined || options.redis !== undefined))
    issues.push({ message: 'give either `client` or `url`/`redis`, not both', path: ['client'] });
  if (options.url !== undefined && (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)))
    issues.push({ message: 'must be a redis:// or rediss:// URL', path: ['url'] });
  if (options.redis?.keyPrefix || options.client?.options.keyPrefix)
    issues.push({
      message:
        "ioredis' keyPrefix is not supported (Lua scripts and stream reads would see other keys): use the transport's `prefix`",
      path: [options.client ? 'client' : 'redis', 'keyPrefix'],
    });
  if (
    options.prefix !== undefined &&
    (typeof options.prefix !== 'string' || options.prefix.length > 200 || /\s/.test(options.prefix))
  )
    issues.push({ message: 'must be a string of at most 200 characters without spaces', path: ['prefix'] });
  issues.push(
    ...integerIssue(options.claimIdleMs, 'claimIdleMs', 100, 86_400_000),
    ...integerIssue(options.blockMs, 'blockMs', 10, 60_000),
  );
  const replicas = options.waitForReplicas;
  if (replicas !== undefined)
    issues.push(
      ...integerIssue(replicas.replicas, 'waitForReplicas.replicas', 1, 100),
      // WAIT 0 would wait forever, and a publish must not hang.
      ...integerIssue(replicas.timeoutMs, 'waitForReplicas.timeoutMs', 1, 600_000),
    );
  if (issues.length > 0) throw new ValidationError(issues, SUBJECT);
  return {
    prefix: options.prefix ?? 'whizbang:',
    claimIdleMs: options.claimIdleMs ?? 30_000,
    blockMs: options.blockMs ?? 2_000,
    trim: options.trim ?? true,
    waitForReplicas: replicas,
    onError: options.onError ?? warn,
  };
}
