/**
 * Consumes this service's subscriptions: each delivery is handled in one transaction with its
 * inbox record, so a redelivered message finds itself recorded and is acknowledged without
 * running again (exactly-once effect over at-least-once delivery). A handler that fails is
 * retried with back-off and jitter; after the last attempt the message is parked in the dead
 * letters (with the inbox record, in one transaction) and acknowledged, so it never blocks the
 * messages behind it. A message that is not a Whizbang envelope goes to the transport's
 * dead-letter queue.
 */
import { pause } from '../async/sleep.js';
import { isHandlerNotFoundError, isValidationError } from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { failureInfo } from '../store/port-input.js';
import type { Store, StoreSession } from '../store/ports.js';
import type { Consumption, Delivery, Subscription, TransportMessage } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import { decodeEnvelope } from './envelope-codec.js';
import { MESSAGE_SOURCE_PREFIX } from './message-replay.js';
import type { MessagingPlan } from './messaging-options.js';

/** What the consumer hands messages to: the app's mediator. */
export interface Receiver {
  receive(kind: MessageKind, envelope: Envelope, store: StoreSession, signal?: AbortSignal): Promise<unknown>;
}

/** The dead-letter source of a consumer group's messages. */
export const messageSource = (group: string) => `${MESSAGE_SOURCE_PREFIX}${group}`;

/** What a message dead letter keeps: the message as it came, so a replay sees it unchanged. */
export interface ParkedMessage {
  readonly subscription: Subscription;
  readonly message: TransportMessage;
}

/** Errors another attempt cannot fix. */
const permanent = (error: unknown) => isValidationError(error) || isHandlerNotFoundError(error);

export class MessageConsumer {
  readonly name = 'message-consumer';
  handled = 0;
  duplicates = 0;
  deadLettered = 0;
  #consumptions: Consumption[] = [];
  #signal: AbortSignal | undefined;

  constructor(
    readonly store: Store,
    readonly receiver: Receiver,
    readonly plan: MessagingPlan,
    readonly onError: (error: unknown, delivery: Delivery) => void = () => undefined,
  ) {}

  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    for (const subscription of this.plan.subscriptions)
      this.#consumptions.push(
        await this.plan.transport.consume(subscription, (delivery) => this.#handle(delivery), {
          prefetch: this.plan.prefetch,
        }),
      );
  }

  async stop(): Promise<void> {
    const consumptions = this.#consumptions;
    this.#consumptions = [];
    await Promise.all(consumptions.map((c) => c.stop()));
  }

  async #handle(delivery: Delivery): Promise<void> {
    let kind: MessageKind;
    let envelope: Envelope;
    try {
      ({ kind, envelope } = decodeEnvelope(delivery.message));
    } catch (error) {
      await delivery.deadLetter(error instanceof Error ? error.message : String(error));
      return;
    }
    const { group } = delivery.subscription;
    const signal = this.#signal;
    for (let attempt = 1; ; attempt++) {
      try {
        const handled = await this.store.transaction(async (tx) => {
          if (!(await tx.inbox.record(group, envelope.id))) return false;
          await this.receiver.receive(kind, envelope, tx, signal);
          return true;
        });
        if (handled) this.handled++;
        else this.duplicates++;
        await delivery.ack();
        return;
      } catch (error) {
        this.onError(error, delivery);
        // Stopping: give the message back for another node rather than park it.
        if (signal?.aborted) return delivery.nack();
        if (permanent(error) || attempt >= this.plan.retry.maxAttempts) {
          await this.#park(delivery, envelope, error, attempt);
          return;
        }
        await pause(backoffDelay(attempt, this.plan.retry), signal);
      }
    }
  }

  /** Dead-letters the message and records it handled, together; then acknowledges it. */
  async #park(delivery: Delivery, envelope: Envelope, error: unknown, attempts: number): Promise<void> {
    const { group } = delivery.subscription;
    const parked: ParkedMessage = { subscription: delivery.subscription, message: delivery.message };
    await this.store.transaction(async (tx) => {
      if (!(await tx.inbox.record(group, envelope.id))) return; // handled meanwhile by another node
      await tx.deadLetters.add({
        source: messageSource(group),
        ...(envelope.metadata.tenantId !== undefined && { tenantId: envelope.metadata.tenantId }),
        messageId: envelope.id,
        messageType: envelope.type,
        payload: parked,
        error: failureInfo(error),
        attempts,
      });
      this.deadLettered++;
    });
    await delivery.ack();
  }
}
