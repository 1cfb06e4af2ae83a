/**
 * A NATS transport that connects in the background: it is made at once, even while the server
 * is down, and keeps trying with back-off. Until it is connected every call rejects with
 * `NatsUnavailableError` (a `TransportUnavailableError`), which `whizbang({ messaging })`
 * retries; from then on it is the ordinary transport.
 */
import type {
  ConsumeOptions,
  Consumption,
  DeadLetteredMessage,
  Delivery,
  Subscription,
  Topology,
  Transport,
  TransportCapabilities,
  TransportMessage,
} from '@whizbang/core';
import { natsSettings, type NatsTransportOptions } from './config.js';
import { describe, NatsUnavailableError } from './errors.js';
import type { NatsTransport } from './nats-transport.js';

export class LazyNatsTransport implements Transport {
  readonly name = 'nats';
  #inner: NatsTransport | undefined;
  #lastError: unknown;
  readonly #stop = new AbortController();
  readonly #connecting: Promise<void>;

  constructor(
    readonly capabilities: TransportCapabilities,
    open: () => Promise<NatsTransport>,
    private readonly servers: string,
  ) {
    this.#connecting = this.#connect(open);
  }

  /** The connected transport, once there is one. */
  get transport(): NatsTransport | undefined {
    return this.#inner;
  }

  declare(topology: Topology): Promise<void> {
    return this.#use((t) => t.declare(topology));
  }

  publish(destination: string, messages: readonly TransportMessage[]): Promise<void> {
    return this.#use((t) => t.publish(destination, messages));
  }

  consume(
    subscription: Subscription,
    handler: (delivery: Delivery) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<Consumption> {
    return this.#use((t) => t.consume(subscription, handler, options));
  }

  takeDeadLetters(
    subscription: Subscription,
    options?: { readonly limit?: number },
  ): Promise<DeadLetteredMessage[]> {
    return this.#use((t) => t.takeDeadLetters(subscription, options));
  }

  /** Rejects with `NatsUnavailableError` until connected; from then on, the connected transport's ping. */
  async ping(): Promise<void> {
    if (this.#stop.signal.aborted)
      throw new NatsUnavailableError(`Cannot ping NATS at ${this.servers}: the transport is closed`);
    await this.#use((t) => t.ping());
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#connecting;
    await this.#inner?.close();
  }

  async #use<T>(work: (transport: NatsTransport) => Promise<T>): Promise<T> {
    if (!this.#inner)
      throw new NatsUnavailableError(
        `Not connected to NATS at ${this.servers} yet (${this.#lastError === undefined ? 'connecting' : describe(this.#lastError)}); still trying in the background`,
        { cause: this.#lastError },
      );
    return work(this.#inner);
  }

  async #connect(open: () => Promise<NatsTransport>): Promise<void> {
    const { signal } = this.#stop;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const transport = await open();
        if (signal.aborted) return await transport.close();
        this.#inner = transport;
        return;
      } catch (error) {
        this.#lastError = error;
        const delay = Math.min(5_000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          signal.addEventListener('abort', done, { once: true });
          function done() {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          }
        });
      }
    }
  }
}

/** Checks the options now, so a bad value fails at once even when connecting lazily. */
export const checkedServers = (options: NatsTransportOptions): string =>
  natsSettings(options).servers.join(', ');
