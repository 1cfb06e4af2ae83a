/**
 * One consumer of a group: pulls from the group's durable consumer, never holding more than
 * `prefetch` unsettled deliveries, and hands each to the handler. Competing consumers are
 * several of these pulling from the same durable, in any process.
 *
 * It pulls with `fetch` rather than `consume`, because `consume` keeps pulling while messages
 * wait in the client, however slow the handlers are; a fetch asks for exactly the free room.
 */
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import {
  StateError,
  type Consumption,
  type Delivery,
  type Subscription,
  type TransportMessage,
} from '@whizbang/core';
import { handleDelivery, settleOnce } from '@whizbang/core/driver';
import { describe, NatsUnavailableError } from './errors.js';
import { decodeMessage } from './message-codec.js';

/** How long one pull waits on the server for messages before the next pull (ms). */
const PULL_EXPIRES_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

export interface ConsumptionContext {
  readonly subscription: Subscription;
  readonly consumer: Consumer;
  readonly handler: (delivery: Delivery) => Promise<void>;
  readonly prefetch: number;
  readonly ackWaitMs: number;
  readonly timeoutMs: number;
  readonly park: (msg: JsMsg, message: TransportMessage, reason: string) => Promise<void>;
  readonly onError: (error: Error) => void;
}

interface Flight {
  readonly msg: JsMsg;
  /** Being settled: a close must not give it back under the settle's feet. */
  settling: boolean;
}

export class PullConsumption implements Consumption {
  #stopped = false;
  #batch: ConsumerMessages | undefined;
  #wake: (() => void) | undefined;
  readonly #inFlight = new Set<Flight>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  readonly #renew: NodeJS.Timeout;

  constructor(private readonly context: ConsumptionContext) {
    // A live consumer keeps its deliveries: JetStream redelivers only what a dead one held.
    this.#renew = setInterval(() => {
      for (const flight of this.#inFlight) if (!flight.settling) quietly(() => flight.msg.working());
    }, context.ackWaitMs / 3);
    this.#renew.unref();
    this.#loop = this.#run();
  }

  /** Stops pulling, waits for the handlers in flight, and returns once they have settled. */
  async stop(): Promise<void> {
    this.#halt();
    await this.#loop;
    while (this.#handlers.size > 0) await Promise.all(this.#handlers);
    clearInterval(this.#renew);
  }

  /**
   * For a closing connection: stops pulling and gives back what is unsettled now, without
   * waiting for the handlers (one may never return). Their late settles fail with a StateError.
   */
  abandon(): void {
    this.#halt();
    clearInterval(this.#renew);
    for (const flight of this.#inFlight) {
      if (flight.settling) continue;
      this.#inFlight.delete(flight);
      quietly(() => flight.msg.nak());
    }
  }

  /** After a reconnect the server has forgotten the open pull; start a fresh one now. */
  repull(): void {
    void this.#batch?.close();
  }

  #halt(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    void this.#batch?.close();
    this.#wakeUp();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      if (this.#inFlight.size >= this.context.prefetch) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      try {
        const batch = await this.context.consumer.fetch({
          max_messages: this.context.prefetch - this.#inFlight.size,
          expires: PULL_EXPIRES_MS,
        });
        this.#batch = batch;
        if (this.#stopped) await batch.close();
        for await (const msg of batch) this.#receive(msg);
        failures = 0;
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof errors.ClosedConnectionError) {
          // Closed for good (not reconnecting): nothing more will come. What it held is redelivered.
          this.context.onError(
            new NatsUnavailableError(
              `The NATS connection closed; the consumer of '${this.context.subscription.destination}' / '${this.context.subscription.group}' has stopped`,
              { cause: error },
            ),
          );
          this.#halt();
          clearInterval(this.#renew);
          break;
        }
        if (failures++ === 0)
          this.context.onError(
            new NatsUnavailableError(
              `Pulling from '${this.context.subscription.destination}' / '${this.context.subscription.group}' failed (${describe(error)}); retrying`,
              { cause: error },
            ),
          );
        await this.#pause(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS));
      } finally {
        this.#batch = undefined;
      }
    }
  }

  #receive(msg: JsMsg): void {
    // Stopped: give it straight back. Over the bound: only after a reconnect, when the client
    // pulls again for a request the server forgot.
    if (this.#stopped || this.#inFlight.size >= this.context.prefetch) return msg.nak();
    const flight: Flight = { msg, settling: false };
    this.#inFlight.add(flight);
    let message: TransportMessage;
    try {
      message = decodeMessage(msg.data, msg.headers);
    } catch (error) {
      // Not ours to handle, and nothing may be lost: park it for a human to look at.
      message = foreignMessage(msg);
      this.#settle(flight, () => this.#park(msg, message, `Undecodable: ${describe(error)}`)).catch(
        (parkError: unknown) =>
          this.context.onError(parkError instanceof Error ? parkError : new Error(String(parkError))),
      );
      return;
    }
    const delivery = settleOnce(message, this.context.subscription, msg.info.deliveryCount, {
      ack: () => this.#settle(flight, () => this.#ack(msg)),
      nack: () => this.#settle(flight, async () => msg.nak()),
      deadLetter: (reason) => this.#settle(flight, () => this.#park(msg, message, reason)),
    });
    const run = handleDelivery(this.context.handler, delivery).finally(() => this.#handlers.delete(run));
    this.#handlers.add(run);
  }

  async #settle(flight: Flight, settle: () => Promise<void>): Promise<void> {
    if (!this.#inFlight.has(flight))
      throw new StateError(
        'The transport was closed and gave this delivery back; it will be delivered again',
      );
    flight.settling = true;
    try {
      await settle();
    } finally {
      this.#inFlight.delete(flight);
      this.#wakeUp();
    }
  }

  async #ack(msg: JsMsg): Promise<void> {
    try {
      await msg.ackAck({ timeout: this.context.timeoutMs });
    } catch (error) {
      throw new NatsUnavailableError(
        `NATS did not confirm the ack of message ${msg.info.streamSequence} of '${msg.info.stream}' (${describe(error)}); it may be delivered again`,
        { cause: error },
      );
    }
  }

  async #park(msg: JsMsg, message: TransportMessage, reason: string): Promise<void> {
    try {
      await this.context.park(msg, message, reason);
    } catch (error) {
      // Not parked: give it back rather than wait for the ack wait to run out.
      msg.nak();
      throw new NatsUnavailableError(
        `Could not dead-letter message '${message.id}' (${describe(error)}); it was given back and will be delivered again`,
        { cause: error },
      );
    }
    msg.term(reason.slice(0, 1_000));
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Acks sent on a connection that has closed throw; the server redelivers after the ack wait anyway. */
function quietly(send: () => void): void {
  try {
    send();
  } catch {
    // nothing to do: see above
  }
}

/** A message on our subject that `publish` did not write, kept as it came for the dead letters. */
function foreignMessage(msg: JsMsg): TransportMessage {
  const headers = Object.fromEntries(
    (msg.headers?.keys() ?? []).map((name) => [name, msg.headers!.get(name)]),
  );
  return {
    id: msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}/${msg.info.streamSequence}`,
    type: '(not a Whizbang message)',
    body: new TextDecoder().decode(msg.data),
    headers,
  };
}
