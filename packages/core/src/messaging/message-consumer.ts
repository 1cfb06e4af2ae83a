/**
 * Consumes this service's subscriptions: each delivery is handled in one transaction with its
 * inbox record (claimed before the handlers, written after them: handled-once.ts), so a
 * redelivered message finds itself recorded and is acknowledged without running again
 * (exactly-once effect over at-least-once delivery). A handler that fails is retried with back-off and jitter, unless no
 * attempt can succeed (invalid input, an authorization denial); after the last attempt the
 * message is parked in the dead letters (with the inbox record, in one transaction) and
 * acknowledged, so it never blocks the messages behind it. A message that is not a Whizbang
 * envelope goes to the transport's dead-letter queue.
 */
import { pause } from '../async/sleep.js';
import {
  isForbiddenError,
  isHandlerNotFoundError,
  isPublishError,
  isUnauthenticatedError,
  isValidationError,
} from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { failureInfo } from '../store/port-input.js';
import type { Store, StoreSession } from '../store/ports.js';
import type { Consumption, Delivery, Subscription, TransportMessage } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import { decodeEnvelope } from './envelope-codec.js';
import { HandledMeanwhile, recordHandled, runOnce } from './handled-once.js';
import { MESSAGE_SOURCE_PREFIX } from './message-replay.js';
import type { MessagingPlan } from './messaging-options.js';
import { replyFor } from './replies.js';
import { SpanKind } from '@opentelemetry/api';
import { ATTR } from '../observability/semantic.js';
import { noTelemetry, type Telemetry } from '../observability/telemetry.js';
import { remoteContextOf } from '../observability/trace-context.js';

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

/** A decoded delivery. */
interface Received {
  readonly kind: MessageKind;
  readonly envelope: Envelope;
  readonly delivery: Delivery;
}

/** Batch transactions one consumer runs at once: two, so one gathers while the other commits. */
const MAX_BATCHES_IN_FLIGHT = 2;

/**
 * Errors another attempt cannot fix: invalid input, no handler, and an authorization denial (the
 * message carries its principal; asking again asks the same principal). An event's failures are
 * permanent when every failing handler's is.
 */
export const permanent = (error: unknown): boolean =>
  isValidationError(error) ||
  isHandlerNotFoundError(error) ||
  isForbiddenError(error) ||
  isUnauthenticatedError(error) ||
  (isPublishError(error) && error.failures.every((failure) => permanent(failure.error)));

/**
 * Declares the service's topology, then (on a node that consumes) starts its consumers. A
 * broker that is away when the app starts does not stop the app: this keeps trying in the
 * background, with back-off, and the relay keeps the outbox until the broker is back.
 */
export class MessageConsumer {
  readonly name = 'message-consumer';
  handled = 0;
  duplicates = 0;
  /** Batches handled in one transaction each (with `batchSize` > 1). */
  batches = 0;
  deadLettered = 0;
  /** Failed attempts to declare the topology or start a consumer, so far. */
  failures = 0;
  lastError: unknown;
  /** Resolves once the topology is declared and every consumer runs. */
  readonly ready: Promise<void>;
  #markReady!: () => void;
  #consumptions: Consumption[] = [];
  #signal: AbortSignal | undefined;
  /** Deliveries waiting to be handled together (when `batchSize` > 1). */
  #batch: (Received & { readonly settled: () => void })[] = [];
  /** Batch transactions in flight. */
  #batches = 0;
  #setup: Promise<void> | undefined;

  constructor(
    readonly store: Store,
    readonly receiver: Receiver,
    readonly plan: MessagingPlan,
    readonly options: {
      /** Start consumers on this node (else only declare the topology). */
      readonly consume: boolean;
      readonly onError?: (error: unknown, delivery?: Delivery) => void;
      /** Spans for each delivery handled, and the inbox and dead-letter metrics. */
      readonly telemetry?: Telemetry;
    },
  ) {
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#telemetry = options.telemetry ?? noTelemetry();
  }

  readonly #telemetry: Telemetry;

  /**
   * Hands a delivery to the app in `tx`, as a `process <destination>` span whose parent is the
   * trace context the message carries (the span that sent it, in another process).
   */
  #receive(kind: MessageKind, envelope: Envelope, delivery: Delivery, tx: StoreSession): Promise<unknown> {
    const telemetry = this.#telemetry;
    if (telemetry.tracer === undefined) return this.receiver.receive(kind, envelope, tx, this.#signal);
    const { destination, group } = delivery.subscription;
    return telemetry.span(
      `process ${destination}`,
      SpanKind.CONSUMER,
      {
        [ATTR.messagingSystem]: this.plan.transport.name,
        [ATTR.messagingOperationType]: 'process',
        [ATTR.destination]: destination,
        [ATTR.consumerGroup]: group,
        [ATTR.messageId]: envelope.id,
        [ATTR.messageType]: envelope.type,
        [ATTR.correlationId]: envelope.metadata.correlationId,
        ...(envelope.metadata.tenantId !== undefined && { [ATTR.tenantId]: envelope.metadata.tenantId }),
      },
      remoteContextOf(envelope.metadata),
      () => this.receiver.receive(kind, envelope, tx, this.#signal),
    );
  }

  #countDuplicates(group: string, count: number): void {
    if (count > 0) this.#telemetry.metrics?.inboxDuplicates.add(count, { [ATTR.consumerGroup]: group });
  }

  /** Resolves once the first attempt is over: ready if the broker is there, else still trying. */
  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.#setup = this.#setUp(signal, firstAttempt);
    await attempted;
  }

  async stop(): Promise<void> {
    await this.#setup;
    const consumptions = this.#consumptions;
    this.#consumptions = [];
    await Promise.all(consumptions.map((c) => c.stop()));
  }

  async #setUp(signal: AbortSignal, attempted: () => void): Promise<void> {
    const { transport } = this.plan;
    const pending = this.options.consume ? [...this.plan.subscriptions] : [];
    let declared = false;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        if (!declared) await transport.declare(this.plan.topology);
        declared = true;
        while (pending.length > 0 && !signal.aborted) {
          this.#consumptions.push(
            await transport.consume(pending[0]!, (delivery) => this.#handle(delivery), {
              prefetch: this.plan.prefetch,
            }),
          );
          pending.shift();
        }
        this.#markReady();
        attempted();
        return;
      } catch (error) {
        this.failures++;
        this.lastError = error;
        this.options.onError?.(error);
        attempted();
        await pause(backoffDelay(attempt, { initialDelayMs: 250, maxDelayMs: 10_000 }), signal);
      }
    }
    attempted(); // stopped before any attempt finished
  }

  async #handle(delivery: Delivery): Promise<void> {
    let decoded: Received;
    try {
      decoded = { ...decodeEnvelope(delivery.message), delivery };
    } catch (error) {
      await delivery.deadLetter(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.plan.batchSize === 1) return this.#handleAlone(decoded, 1);
    return new Promise<void>((resolve) => {
      this.#batch.push({ ...decoded, settled: resolve });
      if (this.#batches >= MAX_BATCHES_IN_FLIGHT) return; // gathers until a batch commits
      if (this.#batch.length >= this.plan.batchSize) this.#flush();
      // Deliveries that arrive together (a broker hands over up to `prefetch` at once) share a batch.
      else if (this.#batch.length === 1) setImmediate(() => this.#flush());
    });
  }

  /**
   * Starts a transaction for the deliveries waiting. While the most batches are in flight,
   * deliveries gather instead, and go together when one commits: the busier the consumer, the
   * fuller its batches, and the fewer its commits.
   */
  #flush(): void {
    if (this.#batch.length === 0 || this.#batches >= MAX_BATCHES_IN_FLIGHT) return;
    const batch = this.#batch.splice(0, this.plan.batchSize);
    this.#batches++;
    void this.#handleBatch(batch).finally(() => {
      this.#batches--;
      for (const item of batch) item.settled();
      this.#flush();
    });
  }

  /**
   * Handles a batch in one transaction: one commit for all of it. If any message fails, the
   * transaction rolls back and each message is handled on its own, so the failing one is
   * retried and parked alone and the others commit.
   */
  async #handleBatch(batch: readonly Received[]): Promise<void> {
    let duplicates = 0;
    try {
      await this.store.transaction(async (tx) => {
        duplicates = 0;
        // A message redelivered within the batch itself is new only the first time.
        const fresh = new Map<string, Set<string>>();
        for (const group of new Set(batch.map((item) => item.delivery.subscription.group))) {
          const ids = batch
            .filter((item) => item.delivery.subscription.group === group)
            .map((item) => item.envelope.id);
          fresh.set(group, new Set(await tx.inbox.claim(group, ids)));
        }
        const ran = new Map<string, string[]>();
        for (const { kind, envelope, delivery } of batch) {
          const { group } = delivery.subscription;
          if (!fresh.get(group)!.delete(envelope.id)) {
            duplicates++;
            this.#countDuplicates(group, 1);
            continue;
          }
          await this.#receive(kind, envelope, delivery, tx);
          const ids = ran.get(group) ?? [];
          ran.set(group, ids);
          ids.push(envelope.id);
        }
        // One inbox statement per group for the whole batch, after its handlers.
        for (const [group, ids] of ran) await recordHandled(tx, group, ids);
      });
    } catch {
      for (const item of batch) await this.#handleAlone(item, 1);
      return;
    }
    this.batches++;
    this.handled += batch.length - duplicates;
    this.duplicates += duplicates;
    await Promise.all(batch.map(({ delivery }) => this.#acknowledge(delivery)));
  }

  /**
   * Acknowledges a delivery whose effect has committed. An ack the broker does not confirm is
   * reported, never retried as the handler: the broker delivers the message again, and its inbox
   * record makes that a duplicate.
   */
  async #acknowledge(delivery: Delivery): Promise<void> {
    try {
      await delivery.ack();
    } catch (error) {
      this.options.onError?.(error, delivery);
    }
  }

  async #handleAlone({ kind, envelope, delivery }: Received, firstAttempt: number): Promise<void> {
    const { group } = delivery.subscription;
    const signal = this.#signal;
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        const handled = await this.store
          .transaction((tx) =>
            runOnce(tx, group, envelope.id, () => this.#receive(kind, envelope, delivery, tx)),
          )
          .catch((error: unknown) => {
            if (error instanceof HandledMeanwhile) return false;
            throw error;
          });
        if (handled) this.handled++;
        else {
          this.duplicates++;
          this.#countDuplicates(group, 1);
        }
      } catch (error) {
        this.options.onError?.(error, delivery);
        // Stopping: give the message back for another node rather than park it.
        if (signal?.aborted) return delivery.nack();
        if (permanent(error) || attempt >= this.plan.retry.maxAttempts) {
          await this.#park(delivery, envelope, error, attempt);
          return;
        }
        await pause(backoffDelay(attempt, this.plan.retry), signal);
        continue;
      }
      return this.#acknowledge(delivery);
    }
  }

  /** Dead-letters the message and records it handled, together; then acknowledges it. */
  async #park(delivery: Delivery, envelope: Envelope, error: unknown, attempts: number): Promise<void> {
    const parked: ParkedMessage = { subscription: delivery.subscription, message: delivery.message };
    await this.store.transaction(async (tx) => {
      if (await parkMessage(tx, parked, envelope, error, attempts)) this.deadLettered++;
    });
    this.#telemetry.metrics?.deadLetters.add(1, {
      [ATTR.source]: messageSource(delivery.subscription.group),
    });
    this.#telemetry.logger.warn(
      {
        event: 'whizbang.message.dead_lettered',
        messageId: envelope.id,
        messageType: envelope.type,
        correlationId: envelope.metadata.correlationId,
        ...(envelope.metadata.tenantId !== undefined && { tenantId: envelope.metadata.tenantId }),
        group: delivery.subscription.group,
        attempts,
        err: error,
      },
      `${envelope.type} ${envelope.id} dead-lettered after ${attempts} attempt(s)`,
    );
    await this.#acknowledge(delivery);
  }
}

/**
 * Parks a message in the dead letters with its inbox record, in `tx`, so a redelivery cannot
 * run it again (and tells a request's sender it failed); returns false when it was handled
 * meanwhile (by another node) instead.
 */
export async function parkMessage(
  tx: StoreSession,
  parked: ParkedMessage,
  envelope: Envelope | undefined,
  error: unknown,
  attempts: number,
): Promise<boolean> {
  const { group } = parked.subscription;
  // Claimed first: a delivery of the message still running elsewhere is waited for, not raced.
  if ((await tx.inbox.claim(group, [parked.message.id])).length === 0) return false;
  if (!(await tx.inbox.record(group, parked.message.id))) return false;
  const tenantId = envelope?.metadata.tenantId;
  await tx.deadLetters.add({
    source: messageSource(group),
    ...(tenantId !== undefined && { tenantId }),
    messageId: parked.message.id,
    messageType: parked.message.type,
    payload: parked,
    error: failureInfo(error),
    attempts,
  });
  // A request's sender hears that it failed, with the dead letter.
  if (envelope?.metadata.replyTo !== undefined)
    await tx.outbox.add([replyFor(envelope, { ok: false, error })]);
  return true;
}
