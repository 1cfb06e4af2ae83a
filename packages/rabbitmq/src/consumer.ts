/**
 * A running consumer: its own channel with `prefetch` as basic.qos, one handler call per
 * delivery, settled through `settleOnce`. It outlives channels and connections: when its
 * channel goes (a broker error, the queue deleted, the connection lost) it starts again on the
 * connection in use, re-declaring its subscription first, until it is stopped.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { StateError, type Delivery, type Subscription } from '@whizbang/core';
import { handleDelivery, settleOnce } from '@whizbang/core/driver';
import { deadLetterCopy, decode, deliveryCount } from './codec.js';
import { closeQuietly, messageOf, type Connection } from './connection.js';
import type { Publisher } from './publisher.js';

/** How long a consumer waits before starting again after its channel closed under it. */
const RESTART_DELAY_MS = 1_000;

export interface ConsumerSetup {
  readonly subscription: Subscription;
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly prefetch: number;
  readonly handler: (delivery: Delivery) => Promise<void>;
  /** Asserts the subscription's exchange, queues and binding on `channel`. */
  readonly declare: (channel: Channel) => Promise<void>;
}

export class Consumer {
  #channel: Channel | undefined;
  #consumerTag: string | undefined;
  #starting = false;
  #stopped = false;
  #restart: NodeJS.Timeout | undefined;
  readonly #live = new WeakSet<Channel>();
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly setup: ConsumerSetup,
    private readonly connection: Connection,
    private readonly publisher: Publisher,
  ) {}

  /** Starts consuming on `model`; rejects if that fails (the caller decides whether to retry). */
  async start(model: ChannelModel): Promise<void> {
    if (this.#stopped || this.#channel || this.#starting) return;
    this.#starting = true;
    let channel: Channel | undefined;
    try {
      channel = await model.createChannel();
      const opened = channel;
      opened.on('error', () => undefined);
      opened.once('close', () => this.#closed(opened, model));
      this.#live.add(opened);
      await this.setup.declare(opened);
      await opened.prefetch(this.setup.prefetch);
      if (this.#stopped) {
        await closeQuietly(opened);
        return;
      }
      this.#channel = opened;
      const { consumerTag } = await opened.consume(
        this.setup.queue,
        // null: the broker cancelled the consumer (the queue was deleted); closing starts it again.
        (raw) => (raw ? this.#deliver(opened, raw) : void closeQuietly(opened)),
        { noAck: false },
      );
      this.#consumerTag = consumerTag;
    } catch (error) {
      if (channel) void closeQuietly(channel);
      throw error;
    } finally {
      this.#starting = false;
    }
  }

  /** Starts on `model`, retrying after a pause for as long as `model` is the connection in use. */
  resume(model: ChannelModel): void {
    clearTimeout(this.#restart);
    this.#restart = undefined;
    if (this.#stopped || !this.connection.isCurrent(model)) return;
    this.start(model).catch(() => {
      if (!this.#restart) this.#restart = setTimeout(() => this.resume(model), RESTART_DELAY_MS);
    });
  }

  #closed(channel: Channel, model: ChannelModel): void {
    this.#live.delete(channel);
    if (this.#channel !== channel) return;
    this.#channel = undefined;
    this.#consumerTag = undefined;
    // On a lost connection the next one restarts every consumer; on a live one, only this did.
    if (!this.#stopped && !this.#restart)
      this.#restart = setTimeout(() => this.resume(model), RESTART_DELAY_MS);
  }

  #deliver(channel: Channel, raw: ConsumeMessage): void {
    const { message, problem } = decode(raw);
    const settle = (as: string, write: () => void) => {
      try {
        if (this.#live.has(channel)) return write();
      } catch {
        // amqplib throws while the channel is closing: the same as closed.
      }
      throw new StateError(
        `The channel that received message '${message.id}' closed before it was ${as}; RabbitMQ gives it back to the group, so it will be delivered again`,
      );
    };
    const delivery = settleOnce(message, this.setup.subscription, deliveryCount(raw), {
      ack: async () => settle('acked', () => channel.ack(raw)),
      nack: async () => settle('nacked', () => channel.nack(raw, false, true)),
      deadLetter: async (reason) => {
        settle('dead-lettered', () => undefined);
        try {
          await this.publisher.moveTo(this.setup.deadLetterQueue, deadLetterCopy(raw, reason));
        } catch (error) {
          // Not parked: give it back rather than hold it unsettled until the channel closes.
          try {
            channel.nack(raw, false, true);
          } catch {
            // The channel is gone, and RabbitMQ gave the message back with it.
          }
          throw new StateError(
            `Could not move message '${message.id}' to dead-letter queue '${this.setup.deadLetterQueue}' (${messageOf(error)}); it was given back to the group`,
            { cause: error },
          );
        }
        settle('acked after being copied to the dead-letter queue', () => channel.ack(raw));
      },
    });
    const run = (
      problem === undefined ? handleDelivery(this.setup.handler, delivery) : delivery.deadLetter(problem)
    )
      .catch(() => undefined)
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /** Stops taking deliveries, waits for the handlers in flight, then closes the channel. */
  async stop(): Promise<void> {
    this.abandon();
    const channel = this.#channel;
    if (channel && this.#consumerTag) await channel.cancel(this.#consumerTag).catch(() => undefined);
    while (this.#running.size > 0) await Promise.all(this.#running);
    // Closing gives back what is still unsettled; waiting for it means the next consumer sees it.
    if (channel) await closeQuietly(channel);
  }

  /** Stops restarting; the connection closing takes the channel, and RabbitMQ requeues what was unsettled. */
  abandon(): void {
    this.#stopped = true;
    clearTimeout(this.#restart);
    this.#restart = undefined;
  }
}
