/**
 * Publishing with publisher confirms. One confirm channel per connection carries every
 * publish; a batch resolves once the broker has confirmed each of its messages, and rejects if
 * the broker refuses one (basic.nack) or the channel or connection goes before it said so.
 */
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { StateError } from '@whizbang/core';
import { HEADER, type Outgoing } from './codec.js';
import { messageOf, type Connection } from './connection.js';

interface OpenChannel {
  readonly model: ChannelModel;
  readonly ready: Promise<ConfirmChannel>;
  /** Why the channel closed, once it has. */
  closedBy?: unknown;
}

export class Publisher {
  #channel: OpenChannel | undefined;
  /** Ids of dead-letter copies the broker returned as unroutable. */
  readonly #returned = new Set<string>();
  /** Ids of messages the broker returned as unroutable, until their publish call has seen them. */
  readonly #unroutable = new Set<string>();

  constructor(private readonly connection: Connection) {}

  /** Publishes to `exchange` and waits for every confirm. */
  async publish(exchange: string, routingKey: string, messages: readonly Outgoing[]): Promise<void> {
    const blocked = this.connection.blockedBecause;
    // Under a resource alarm RabbitMQ stops reading the socket: a publish would wait for as long
    // as the alarm lasts. Saying so at once lets the caller (an outbox) try again later.
    if (blocked !== undefined)
      throw new StateError(
        `RabbitMQ is refusing publishes for now (connection blocked: ${blocked}); free memory or disk on the broker, or try again later`,
      );
    const open = this.#open();
    const channel = await open.ready.catch((error: unknown) => {
      throw new StateError(`Could not open a channel to RabbitMQ: ${messageOf(error)}`, { cause: error });
    });
    const confirms: Promise<void>[] = [];
    for (const message of messages) {
      let written = true;
      const confirmed = new Promise<void>((resolve, reject) => {
        try {
          written = channel.publish(exchange, routingKey, message.content, message.options, (error) =>
            error ? reject(this.#failure(open, message, error)) : resolve(),
          );
        } catch (error) {
          // amqplib throws when the channel is already closing.
          reject(this.#failure(open, message, error));
        }
      });
      // Handled here too, so a rejection that arrives while later messages wait for 'drain' is not "unhandled".
      confirmed.catch(() => undefined);
      confirms.push(confirmed);
      // amqplib buffers without bound; waiting for 'drain' keeps a large batch from piling up in memory.
      if (!written) await drained(channel);
    }
    await Promise.all(confirms);
    // RabbitMQ sends basic.return before the confirm of the same message, so it is in by now.
    const returned = messages.filter((m) => this.#unroutable.delete(m.id));
    if (returned.length > 0)
      throw new StateError(
        `RabbitMQ returned ${returned.length} of ${messages.length} message(s) published to '${exchange}' as unroutable (no queue bound to it took them, e.g. right after a restart); publish them again`,
      );
  }

  /**
   * Publishes a dead-letter copy to `queue` through the default exchange. It is mandatory, so
   * if the queue is gone the broker returns it (before its confirm) rather than dropping it.
   */
  async moveTo(queue: string, copy: Outgoing & { readonly moveId: string }): Promise<void> {
    let returned: boolean;
    try {
      await this.publish('', queue, [copy]);
    } finally {
      returned = this.#returned.delete(copy.moveId);
    }
    if (returned)
      throw new StateError(`Dead-letter queue '${queue}' does not exist, so RabbitMQ returned the message`);
  }

  #open(): OpenChannel {
    const model = this.connection.current();
    if (this.#channel?.model === model) return this.#channel;
    const open: OpenChannel = {
      model,
      ready: model.createConfirmChannel().then((channel) => {
        channel.on('error', (error: unknown) => (open.closedBy = error));
        channel.on('close', () => {
          open.closedBy ??= new Error('channel closed');
          if (this.#channel === open) this.#channel = undefined;
        });
        channel.on('return', (returned: Message) => {
          const moveId: unknown = returned.properties.headers?.[HEADER.move];
          if (typeof moveId === 'string') this.#returned.add(moveId);
          const id: unknown = returned.properties.messageId ?? returned.properties.headers?.[HEADER.id];
          if (typeof id === 'string') this.#unroutable.add(id);
        });
        return channel;
      }),
    };
    open.ready.catch(() => {
      if (this.#channel === open) this.#channel = undefined;
    });
    this.#channel = open;
    return open;
  }

  #failure(open: OpenChannel, message: Outgoing, error: unknown): StateError {
    if (messageOf(error) === 'message nacked')
      return new StateError(
        `RabbitMQ refused message '${message.id}' (basic.nack: a queue is full or the broker is short of resources); publish it again later`,
        { cause: error },
      );
    const why = open.closedBy ?? this.connection.lastError ?? error;
    return new StateError(
      `The channel to RabbitMQ closed before message '${message.id}' was confirmed (${messageOf(why)}); it may or may not have been accepted: publish again, the inbox makes a repeat harmless`,
      { cause: why },
    );
  }
}

/** Resolves when the channel can take more, or is gone (then the confirms say what happened). */
function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}
