/**
 * Dead-letter queues. Each destination has a dead-letter stream with one subject per group;
 * a parked message is stored there with its reason, and `take` reads a group's oldest ones
 * and deletes them. A deletion succeeds once, so concurrent takers never return the same message.
 */
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  StateError,
  type DeadLetteredMessage,
  type Subscription,
  type TransportMessage,
} from '@whizbang/core';
import { isAlreadyDeleted, isNotFound } from './errors.js';
import { escapeValue } from './message-codec.js';
import type { Names } from './names.js';

interface Parked {
  readonly message: TransportMessage;
  readonly reason: string;
  readonly deliveryCount: number;
  readonly parkedAt: string;
}

export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: Names,
    private readonly timeoutMs: number,
  ) {}

  /** Stores `message` with its reason and waits for the server to confirm it. */
  async park(
    subscription: Subscription,
    msg: JsMsg,
    message: TransportMessage,
    reason: string,
  ): Promise<void> {
    const parked: Parked = {
      message,
      reason,
      deliveryCount: msg.info.deliveryCount,
      parkedAt: new Date().toISOString(),
    };
    await this.js.publish(this.names.deadLetterSubject(subscription), JSON.stringify(parked), {
      // Parking the same delivery twice (the term was lost, the message came back) stores it once.
      msgID: escapeValue(`${subscription.group}/${msg.info.streamSequence}/${message.id}`),
      timeout: this.timeoutMs,
    });
  }

  async take(subscription: Subscription, limit: number): Promise<DeadLetteredMessage[]> {
    const stream = this.names.deadLetterStream(subscription.destination);
    // A direct get on a missing stream gets no answer at all (it times out): look first.
    await this.jsm.streams.info(stream).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
      throw new StateError(
        `Subscription '${subscription.destination}' / '${subscription.group}' has not been declared (no stream '${stream}'): declare it first`,
        { cause: error },
      );
    });
    const subject = this.names.deadLetterSubject(subscription);
    const taken: DeadLetteredMessage[] = [];
    let seq = 1;
    while (taken.length < limit) {
      const stored = await this.jsm.direct.getMessage(stream, { seq, next_by_subj: subject });
      if (!stored) break;
      seq = stored.seq + 1;
      if (!(await this.#delete(stream, stored.seq))) continue; // another taker has it
      const { message, reason } = stored.json<Parked>();
      taken.push({ message, reason });
    }
    return taken;
  }

  async #delete(stream: string, seq: number): Promise<boolean> {
    try {
      return await this.jsm.streams.deleteMessage(stream, seq, false);
    } catch (error) {
      if (isAlreadyDeleted(error)) return false;
      throw error;
    }
  }
}
