/**
 * The transport's Redis connections: one for commands (publish, settle, declare), and one per
 * consumer for its blocking reads, which would otherwise hold the command connection up for
 * the whole block. ioredis reconnects by itself; these settings make a command fail at once
 * while the connection is down, instead of waiting in a queue for however long Redis is away.
 */
import { isTransportUnavailableError, StateError, TransportUnavailableError } from '@whizbang/core';
import { Redis, type RedisOptions } from 'ioredis';

export type Client = Redis | Redis<'resp3'>;

/** Commands are never queued while disconnected, nor resent after a reconnect. */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
};

/** How long the first connection may take before commands give up on it. */
const FIRST_CONNECT_MS = 10_000;

export function openCommandConnection(url: string | undefined, options: RedisOptions | undefined): Redis {
  // The connection is the transport's, so its replies keep the RESP2 shapes the code reads.
  return new Redis(url ?? 'redis://127.0.0.1:6379', {
    connectionName: 'whizbang',
    ...FAIL_FAST,
    ...options,
    replyMapping: 'legacy' as const,
  });
}

/** A connection of the consumer's own for blocking reads, with the command connection's settings. */
export function openReaderConnection(from: Client): Redis {
  // Replies keep their RESP2 shapes (`legacy`) whatever the caller's client uses.
  return from.duplicate({ ...FAIL_FAST, connectionName: 'whizbang-reader', replyMapping: 'legacy' as const });
}

const where = (redis: Client) => {
  const { host, port, path } = redis.options;
  return path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`;
};

/**
 * Passes a connection's troubles to `onError`: its errors, and a lost connection (which ioredis
 * reports as 'reconnecting', not as an error, when the server closes it). Reported once per loss.
 */
export function watchConnection(redis: Client, role: string, onError: (error: Error) => void): void {
  let connected = redis.status === 'ready';
  redis.on('error', (error: Error) => onError(error));
  redis.on('ready', () => (connected = true));
  redis.on('reconnecting', () => {
    if (!connected) return;
    connected = false;
    onError(new StateError(`Lost the ${role} connection to Redis at ${where(redis)}; reconnecting`));
  });
}

/** Resolves true once `redis` is ready, false after `timeoutMs` or when `stop` resolves first. */
export function untilReady(redis: Client, timeoutMs: number, stop?: Promise<void>): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
    void stop?.then(() => done(false));
  });
}

/**
 * Makes sure commands can go out now. Before the first connection it waits for it (or its first
 * failure); after that, a connection that is down fails at once, so callers learn that Redis is
 * unreachable instead of hanging while ioredis reconnects.
 */
export class Readiness {
  #everReady: boolean;

  constructor(readonly redis: Client) {
    this.#everReady = redis.status === 'ready';
    redis.on('ready', () => (this.#everReady = true));
  }

  async check(doing: string): Promise<void> {
    const { redis } = this;
    if (redis.status === 'ready') return;
    if (redis.status === 'end')
      throw new StateError(`Cannot ${doing}: the Redis connection to ${where(redis)} has been closed`);
    if (this.#everReady) throw unreachable(redis, doing);
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    let failure: Error | undefined;
    let fail = () => {};
    const failed = new Promise<void>((resolve) => (fail = resolve));
    const onError = (error: Error) => {
      failure ??= error;
      fail();
    };
    redis.on('error', onError);
    try {
      if (!(await untilReady(redis, FIRST_CONNECT_MS, failed))) throw unreachable(redis, doing, failure);
    } finally {
      redis.off('error', onError);
    }
  }
}

function unreachable(redis: Client, doing: string, cause?: Error): TransportUnavailableError {
  return new TransportUnavailableError(
    'redis',
    `Cannot ${doing}: Redis at ${where(redis)} is unreachable (${cause?.message ?? `connection ${redis.status}`}); ` +
      'nothing was sent. The client keeps reconnecting: retry once Redis is back.',
    { cause },
  );
}

/**
 * `PING` on the command connection: a round trip that touches no key. Bounded by the client's
 * `commandTimeout` (10 s when it has none, as the first connection is), and rejects with
 * `TransportUnavailableError` whatever went wrong, so a readiness probe has one thing to catch.
 */
export async function ping(ready: Readiness): Promise<void> {
  const { redis } = ready;
  const timeoutMs = redis.options.commandTimeout ?? FIRST_CONNECT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(unreachable(redis, 'ping', new Error(`no answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await ready.check('ping');
        await redis.ping();
      })(),
      timedOut,
    ]);
  } catch (error) {
    if (isTransportUnavailableError(error)) throw error;
    throw unreachable(redis, 'ping', error instanceof Error ? error : new Error(String(error)));
  } finally {
    // A late reply or failure needs no handler of its own: the race has already heard it.
    clearTimeout(timer);
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
export function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Closes a connection the transport owns: politely if Redis answers soon, at once if not. */
export async function closeConnection(redis: Client): Promise<void> {
  if (redis.status === 'ready') await bounded(redis.quit(), 1_000);
  redis.disconnect();
}
