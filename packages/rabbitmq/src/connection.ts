/**
 * The connection manager. amqplib's recovering connection redials with backoff and runs our
 * setup on every new connection before anything else may use it; this class adds what the
 * transport needs on top: operations fail at once while there is no connection (rather than
 * waiting for one, as amqplib's own `createChannel` would), and listeners learn when a new
 * connection is ready so consumers can start again.
 */
import { connect, type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { isTransportUnavailableError, StateError, TransportUnavailableError } from '@whizbang/core';
import type { ResolvedOptions } from './config.js';

const noop = () => undefined;
/** How long `close` waits for the broker to confirm before it lets go of the socket. */
const CLOSE_TIMEOUT_MS = 3_000;
/** Every virtual host has it and no one can delete it, so a passive check of it always answers. */
const PING_EXCHANGE = 'amq.direct';

export const amqpCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
/** Closes a channel that may already be closed, or closing. */
export async function closeQuietly(channel: Channel): Promise<void> {
  try {
    await channel.close();
  } catch {
    // Already closed, or the connection went with it.
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class Connection {
  #model: ChannelModel | undefined;
  #lastError: unknown;
  #closed = false;
  #blocked: string | undefined;
  #recovering: RecoveringChannelModel | undefined;
  readonly #readyListeners = new Set<(model: ChannelModel) => void>();

  private constructor(readonly options: ResolvedOptions) {}

  /**
   * Connects once (rejecting if that fails: a wrong URL should not retry forever in silence),
   * then keeps reconnecting; with `lazyConnect`, returns at once and keeps trying from the
   * start. `setup` runs on every new connection before it is used.
   */
  static async open(
    options: ResolvedOptions,
    setup: (model: ChannelModel) => Promise<void>,
  ): Promise<Connection> {
    const connection = new Connection(options);
    const recovering = await connect(options.url, {
      timeout: options.connectTimeoutMs,
      // Without it, Nagle's algorithm holds a lone publish or ack back until the broker's delayed
      // ACK (~40 ms): measured, a paced publish's confirm went from ~44 ms to ~1 ms.
      noDelay: true,
      clientProperties: { connection_name: options.connectionName },
      recovery: {
        initialDelay: options.initialDelayMs,
        maxDelay: options.maxDelayMs,
        // Eager: one attempt, and the caller hears of a wrong URL. Lazy: keep trying until it answers.
        ...(options.lazyConnect ? {} : { initialMaxRetries: 0 }),
        waitForConnect: false,
        setup: (model: ChannelModel) => connection.#setup(model, setup),
      },
    });
    connection.#recovering = recovering;
    recovering.on('error', (error: unknown) => (connection.#lastError = error));
    recovering.on('disconnect', (error: unknown) => (connection.#lastError = error));
    recovering.on('connect-failed', (error: unknown) => (connection.#lastError = error));
    recovering.on('blocked', (reason: string) => (connection.#blocked = reason));
    recovering.on('unblocked', () => (connection.#blocked = undefined));
    if (options.lazyConnect) {
      recovering.waitForConnect().catch((error: unknown) => (connection.#lastError = error));
      return connection;
    }
    try {
      await recovering.waitForConnect();
    } catch (error) {
      await recovering.close().catch(noop);
      throw new TransportUnavailableError(
        'rabbitmq',
        `Could not connect to RabbitMQ at ${options.displayUrl}: ${messageOf(error)}. Check that the broker is running and the URL, credentials and virtual host are right`,
        { cause: error },
      );
    }
    return connection;
  }

  async #setup(model: ChannelModel, setup: (model: ChannelModel) => Promise<void>): Promise<void> {
    // Without listeners an 'error' event would be thrown; the 'close' that follows says enough.
    model.on('error', (error: unknown) => (this.#lastError = error));
    model.once('close', (error?: unknown) => {
      if (error) this.#lastError = error;
      if (this.#model !== model) return;
      this.#model = undefined;
      this.#blocked = undefined;
    });
    await setup(model);
    if (this.#closed) return;
    this.#model = model;
    for (const listener of this.#readyListeners) listener(model);
  }

  /** What last went wrong with the connection, for error messages. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Why the broker blocked this connection's publishers (a memory or disk alarm), while it does. */
  get blockedBecause(): string | undefined {
    return this.#blocked;
  }

  get connected(): boolean {
    return this.#model !== undefined;
  }

  /** Called with each new connection once it is set up (not with the one open at the time of the call). */
  onReady(listener: (model: ChannelModel) => void): void {
    this.#readyListeners.add(listener);
  }

  /** Whether `model` is still the connection in use. */
  isCurrent(model: ChannelModel): boolean {
    return this.#model === model;
  }

  /** The connection in use; throws at once while there is none. */
  current(): ChannelModel {
    if (this.#closed) throw new StateError('The RabbitMQ transport is closed');
    if (!this.#model)
      throw new TransportUnavailableError(
        'rabbitmq',
        `Not connected to RabbitMQ at ${this.options.displayUrl} (${this.#lastError === undefined ? 'connection lost' : messageOf(this.#lastError)}); reconnecting in the background. Try again shortly: a publish may be repeated safely, the inbox de-duplicates`,
        { cause: this.#lastError },
      );
    return this.#model;
  }

  /** Runs `use` on a channel of its own, so a broker error it provokes closes only that channel. */
  async withChannel<T>(use: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.current().createChannel();
    channel.on('error', noop);
    try {
      return await use(channel);
    } finally {
      await closeQuietly(channel);
    }
  }

  /**
   * A round trip to the broker on a channel of its own (open, a passive exchange check, close),
   * which declares and changes nothing. Rejects with `TransportUnavailableError` when there is
   * no connection, when the broker blocks it, or when the answer takes over `timeoutMs`.
   */
  async ping(timeoutMs: number): Promise<void> {
    const unavailable = (why: string, cause?: unknown) =>
      new TransportUnavailableError('rabbitmq', `RabbitMQ at ${this.options.displayUrl} ${why}`, { cause });
    if (this.#closed)
      throw new TransportUnavailableError('rabbitmq', 'Cannot ping RabbitMQ: the transport is closed');
    // A blocked connection's socket is not read until the alarm clears: a ping would only wait.
    if (this.#blocked !== undefined)
      throw unavailable(`is blocking this connection (${this.#blocked}): free memory or disk on the broker`);
    let timer: NodeJS.Timeout | undefined;
    const answered = this.withChannel((channel) => channel.checkExchange(PING_EXCHANGE));
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable(`did not answer a ping within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([answered, timedOut]);
    } catch (error) {
      if (isTransportUnavailableError(error)) throw error;
      throw unavailable(`did not answer a ping (${messageOf(error)})`, error);
    } finally {
      // A late answer or failure needs no handler of its own: the race has already heard it.
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#model = undefined;
    const closing = this.#recovering?.close().catch(noop);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}
