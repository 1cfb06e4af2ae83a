/**
 * The application object: the mediator bound to a store, plus the background services
 * (projection daemon, outbox relay, consumers, scheduler) that `start()` and `stop()` manage.
 */
import { StateError, ValidationError } from '../errors/catalog.js';
import { builtInHandlers, strategyOf, type Late, type TransactionStrategy } from './built-in-handlers.js';
import { Mediator, type MediatorOptions } from '../mediator/mediator.js';
import type { Projection } from '../projections/define-projection.js';
import type { Reactor } from '../projections/define-reactor.js';
import { withInlineProjections } from '../projections/inline-projections.js';
import { prepareTarget } from '../projections/read-model-target.js';
import { ProjectionDaemon, type ProjectionDaemonOptions } from '../projections/projection-daemon.js';
import {
  projectionProgress,
  waitForProjections,
  type ShardProgress,
} from '../projections/projection-progress.js';
import type { Store } from '../store/ports.js';
import type { Command } from '../messages/define.js';
import type { DispatchOptions } from '../context/execution-context.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { retryOnConflict, type RetryPolicy } from '../deciders/retry.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import { MessageConsumer } from '../messaging/message-consumer.js';
import { replayMessage } from '../messaging/message-replay.js';
import { localDelivery, LOCAL_DESTINATION } from '../messaging/local-delivery.js';
import {
  commandsOf,
  MessagingPlan,
  relayPolicy,
  retryPolicy,
  type MessageRetryPolicy,
  type MessagingOptions,
  type RelayOptions,
} from '../messaging/messaging-options.js';
import { outboxForwarder, outboxMessage, withOutboxSignal } from '../messaging/outbox-forwarding.js';
import { OutboxRelay } from '../messaging/outbox-relay.js';
import { transportDelivery } from '../messaging/transport-delivery.js';
import type { MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import type { StoreSession } from '../store/ports.js';
import type { Saga } from '../sagas/define-saga.js';
import { SagaRuntime, type StoredSagaInstance } from '../sagas/saga-runtime.js';
import type { Workflow } from '../sagas/define-workflow.js';
import { replyFor } from '../messaging/replies.js';
import type { Delivery } from '../transport/transport.js';
import { isLogLevel, type Logger, type LogLevel } from '../observability/logger.js';
import { withObservation } from '../observability/observed-store.js';
import { oneReadPerCollection } from '../observability/metrics.js';
import { journeyCapture } from '../observability/journey-capture.js';
import { JourneyRecorder } from '../observability/journeys/journey-recorder.js';
import { JourneyQueries } from '../observability/journeys/journey-queries.js';
import { Telemetry } from '../observability/telemetry.js';
import { ATTR } from '../observability/semantic.js';

/** Something that runs in the background while the app is started. */
export interface BackgroundService {
  readonly name: string;
  /** Starts work; `signal` aborts when the app stops. Resolves once the service is running. */
  start(signal: AbortSignal): Promise<void>;
  /** Finishes in-flight work and releases resources. */
  stop(): Promise<void>;
}

export interface WhizbangOptions extends Omit<MediatorOptions, 'store' | 'telemetry'> {
  readonly store: Store;
  /**
   * Read models. Inline ones are applied in every append's transaction through `app.store`;
   * async ones are run by the projection daemon while the app is started.
   */
  readonly projections?: readonly Projection[];
  /** Side-effecting event handlers, run by the projection daemon with their own checkpoints. */
  readonly reactors?: readonly Reactor[];
  /** Settings of the projection daemon, or `false` to run async projections and reactors elsewhere. */
  readonly daemon?: Omit<ProjectionDaemonOptions, 'store' | 'projections' | 'reactors'> | false;
  readonly services?: readonly BackgroundService[];
  /**
   * Messaging between services: the transport, this service's name and the routes. Messages
   * leave through the outbox (with the transaction that produced them) and arrive through the
   * inbox (with the transaction of their effects).
   */
  readonly messaging?: MessagingOptions;
  /**
   * Process managers. Each hears the events appended to this store's log (through the daemon),
   * the messages that arrive from other services, and its own timeouts.
   */
  readonly sagas?: readonly Saga<any>[];
  /**
   * Without `messaging`, the app delivers its own outbox (saga commands and timeouts,
   * scheduled commands) to its handlers: how often a failing one is retried, and the relay's
   * settings; or `false` to leave that to other nodes.
   */
  /** Commands whose work is written as steps; see `transactionStrategy`. */
  readonly workflows?: readonly Workflow[];
  /**
   * How each workflow's command runs, by command type: `'unit-of-work'` (every step in one
   * transaction), `'saga'` (step by step through the outbox, undone on failure), or `'auto'`
   * (the default: a saga when a step's command is routed to another service, else a unit of work).
   */
  readonly transactionStrategy?: Readonly<Record<string, TransactionStrategy>>;
  readonly localDelivery?: { readonly retry?: MessageRetryPolicy; readonly relay?: RelayOptions } | false;
}

/** When a scheduled command is to be delivered. */
export type ScheduleOptions = DispatchOptions &
  ({ readonly at: Date; readonly delayMs?: never } | { readonly delayMs: number; readonly at?: never }) & {
    /** The message id, to cancel it later by (default: a new UUIDv7). */
    readonly id?: string;
  };

export class WhizbangApp extends Mediator implements AsyncDisposable {
  /** The store, with the inline projections applied on append. */
  readonly store: Store;
  /** The projection daemon of this node, when there are async projections to run. */
  readonly daemon: ProjectionDaemon | undefined;
  readonly projections: readonly Projection[];
  readonly reactors: readonly Reactor[];
  /** The messaging of this service, when configured. */
  readonly messaging: MessagingPlan | undefined;
  /** This node's outbox relay, when messaging is configured. */
  readonly relay: OutboxRelay | undefined;
  /**
   * Declares the service's topology and runs this node's consumers (when `runConsumers`), when
   * messaging is configured; `consumer.ready` resolves once both are done.
   */
  readonly consumer: MessageConsumer | undefined;
  /** The sagas' runtime (counters, instances), when there are sagas. */
  readonly sagas: SagaRuntime | undefined;
  /** Message journeys recorded in this app's journey store (by every service that shares it). */
  readonly journeys: JourneyQueries;
  /** This node's journey recorder, when `observability.journeys` is on. */
  readonly journeyRecorder: JourneyRecorder | undefined;
  readonly #services: readonly BackgroundService[];
  #state: 'idle' | 'starting' | 'started' | 'stopping' = 'idle';
  #abort: AbortController | undefined;
  #started: BackgroundService[] = [];

  constructor(options: WhizbangOptions) {
    const projections = options.projections ?? [];
    const messaging = options.messaging && new MessagingPlan(options.messaging);
    const late: Late = {};
    const workflows = (options.workflows ?? []).map((workflow) => ({
      workflow,
      strategy: strategyOf(workflow, options.transactionStrategy, messaging),
    }));
    const sagas = [
      ...(options.sagas ?? []),
      ...workflows.filter((w) => w.strategy === 'saga').map((w) => w.workflow.saga),
    ];
    let relay: OutboxRelay | undefined;
    const handlers = [...(options.handlers ?? []), ...builtInHandlers(workflows, sagas.length > 0, late)];
    const telemetry = new Telemetry(options.observability, options.logger);
    const signalled = withOutboxSignal(withInlineProjections(options.store, projections), () =>
      relay?.wake(),
    );
    const store = telemetry.observesStore(handlers) ? withObservation(signalled, telemetry) : signalled;
    super({
      ...options,
      telemetry,
      store,
      handlers,
      ...(messaging && { forwarder: outboxForwarder(messaging, store) }),
    });
    this.store = store;
    this.messaging = messaging;
    if (messaging?.runRelay)
      relay = new OutboxRelay(
        store,
        transportDelivery(store, messaging.transport, telemetry),
        messaging.relay,
        messaging.onError ?? ((error) => this.#logRelayError(error)),
      );
    else if (!messaging && options.localDelivery !== false) {
      const local = options.localDelivery ?? {};
      relay = new OutboxRelay(
        store,
        localDelivery(store, this, retryPolicy(local.retry), () => undefined),
        relayPolicy(local.relay),
        (error) => this.#logRelayError(error),
      );
    }
    this.relay = relay;
    this.consumer =
      messaging &&
      new MessageConsumer(store, this, messaging, {
        consume: messaging.runConsumers,
        onError: messaging.onError ?? ((error, delivery) => this.#logConsumerError(error, delivery)),
        telemetry,
      });
    const runtime =
      sagas.length > 0
        ? new SagaRuntime(sagas, store, {
            dispatch: (kind, message, parent) => this.dispatch(kind, message, parent),
            telemetry: this.telemetry,
            envelopeFor: (kind, message, dispatch) => this.envelopeFor(kind, message, dispatch),
            commandDestination: (type) => this.#commandDestination(type),
            replyDestination: () => (messaging ? commandsOf(messaging.service) : LOCAL_DESTINATION),
          })
        : undefined;
    this.sagas = runtime;
    late.runWorkflow = (workflow, strategy, command, ctx) =>
      this.#runWorkflow(workflow, strategy, command, ctx);
    late.runtime = runtime;
    const reactors = [...(options.reactors ?? []), ...(runtime?.reactors() ?? [])];
    this.projections = projections;
    this.reactors = reactors;
    const { daemon } = options;
    this.daemon =
      daemon !== false && (projections.some((p) => p.lifecycle === 'async') || reactors.length > 0)
        ? new ProjectionDaemon({ telemetry, ...daemon, store: options.store, projections, reactors })
        : undefined;
    const journeys = options.observability?.journeys;
    const journeyStore = (typeof journeys === 'object' ? journeys.store : undefined) ?? options.store;
    this.journeys = new JourneyQueries(journeyStore);
    this.journeyRecorder =
      journeys === undefined || journeys === false
        ? undefined
        : new JourneyRecorder({
            onError: (error) =>
              telemetry.logger.warn(
                { event: 'whizbang.journeys.dropped', err: error },
                'journey steps not recorded',
              ),
            ...(journeys === true ? {} : journeys),
            store: journeyStore,
            node: telemetry.node,
            ...(messaging && { service: messaging.service }),
          });
    if (this.journeyRecorder) telemetry.journeys = journeyCapture(this.journeyRecorder);
    this.#services = [
      ...(this.journeyRecorder ? [this.journeyRecorder] : []),
      ...(this.daemon ? [this.daemon] : []),
      ...(this.consumer ? [this.consumer] : []),
      ...(this.relay ? [this.relay] : []),
      ...(options.services ?? []),
    ];
  }

  /**
   * Runs `work` as one unit of work: everything it writes through `uow` (appends to any number
   * of streams, each with its expected version; documents; messages it sends or publishes, into
   * the outbox; inline projections) commits in one transaction, or nothing does. When another
   * writer got to one of the streams first (`ConcurrencyError`), the whole of `work` runs again
   * on fresh state, by `options.retry` (default 10 attempts).
   * @example
   * await app.transaction(async (uow) => {
   *   await handleCommand(uow, `order-${id}`, order, ConfirmOrder({ id }));
   *   await handleCommand(uow, `stock-${sku}`, stock, Reserve({ sku, quantity }));
   *   await uow.send(ChargeCard({ orderId: id })); // leaves with the commit
   * });
   */
  transaction<T>(
    work: (uow: HandlerContext) => Promise<T>,
    options: DispatchOptions & { readonly retry?: RetryPolicy } = {},
  ): Promise<T> {
    return retryOnConflict(
      () => this.store.transaction((tx) => work(this.contextFor(tx, options))),
      options.retry,
      options.signal,
    );
  }

  /**
   * Sends a command later, durably: it waits in the outbox until it falls due, then goes to its
   * owner (this service, or the one it is routed to). Returns its id, for `cancelScheduled`.
   * @example
   * const id = await app.schedule(ExpireCart({ cartId }), { delayMs: 30 * 60_000 });
   * await app.cancelScheduled(id); // the customer checked out in time
   */
  async schedule(command: Command, options: ScheduleOptions): Promise<string> {
    const deliverAt = options.at ?? new Date(Date.now() + (options.delayMs ?? 0));
    if (!Number.isFinite(deliverAt.getTime()))
      throw new ValidationError([{ message: 'must be a valid Date or delay', path: ['at'] }], 'schedule');
    const id = options.id ?? command.id ?? uuidv7();
    const envelope = this.envelopeFor('command', { ...command, id }, options);
    const destination = this.#commandDestination(command.type);
    await this.store.outbox.add([outboxMessage('command', envelope, destination, deliverAt)]);
    return id;
  }

  /** Cancels a scheduled message that has not been delivered yet; returns whether it was waiting. */
  cancelScheduled(id: string): Promise<boolean> {
    return this.store.outbox.cancel(id);
  }

  /**
   * Runs a dead-lettered message's handlers again (after a fix) and discards the dead letter,
   * in one transaction.
   * @throws StateError when there is no such dead letter.
   */
  replayMessage(deadLetterId: string): Promise<void> {
    return replayMessage(this.store, this, deadLetterId);
  }

  #logRelayError(error: unknown): void {
    this.telemetry.logger.warn(
      { event: 'whizbang.outbox.retrying', err: error },
      'outbox relay: delivery failed; the messages wait and are tried again',
    );
  }

  #logConsumerError(error: unknown, delivery: Delivery | undefined): void {
    const message = delivery?.message;
    this.telemetry.logger.warn(
      {
        event: 'whizbang.consumer.retrying',
        err: error,
        ...(message !== undefined && {
          messageId: message.id,
          messageType: message.type,
          correlationId: message.headers['whizbang-correlation-id'],
        }),
      },
      message === undefined
        ? 'consumer: could not reach the broker; trying again'
        : `consumer: ${message.type} ${message.id} failed`,
    );
  }

  /** The app's logger (the one given, or JSON lines on stderr). */
  get logger(): Logger {
    return this.telemetry.logger;
  }

  /**
   * Changes what the app logs from now on, in every logger it made (the control plane calls this).
   * @throws ValidationError for an unknown level.
   */
  setLogLevel(level: LogLevel): void {
    if (!isLogLevel(level))
      throw new ValidationError(
        [{ message: 'must be trace, debug, info, warn, error, fatal or silent', path: ['level'] }],
        'setLogLevel',
      );
    this.telemetry.logger.level = level;
  }

  /** Where a command sent later (scheduled, or by a saga) waits to be delivered. */
  #commandDestination(type: string): string {
    const { messaging } = this;
    if (!messaging) return LOCAL_DESTINATION;
    return messaging.destinationOf('command', type) ?? commandsOf(messaging.service);
  }

  /**
   * Also hands a message that arrived from another service to the sagas that handle it, and
   * answers a request (a workflow's step), in the same transaction as its handlers and inbox
   * record.
   */
  override async receive(
    kind: MessageKind,
    envelope: Envelope,
    store: StoreSession,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const result = await super.receive(kind, envelope, store, signal);
    if (kind === 'event' && this.sagas?.handles(envelope.type)) await this.sagas.receive(envelope, store);
    // A request's sender hears the outcome with the effects, in the same transaction.
    if (envelope.metadata.replyTo !== undefined)
      await store.outbox.add([replyFor(envelope, { ok: true, result })]);
    return result;
  }

  /** Runs a workflow's command as a unit of work, or starts its saga (its command's handler). */
  #runWorkflow(
    workflow: Workflow,
    strategy: 'unit-of-work' | 'saga',
    command: Envelope,
    ctx: HandlerContext,
  ): Promise<unknown> {
    // Inside a transaction already (a consumer's, a unit of work's): that one holds the work.
    const inTransaction = ctx.store !== this.store;
    if (strategy === 'saga') {
      const start = (tx: StoreSession) => this.sagas!.receive(command, tx);
      return (inTransaction ? start(ctx.store) : this.store.transaction(start)).then(() => undefined);
    }
    if (inTransaction) return workflow.runAsUnitOfWork(command, ctx);
    return this.transaction((uow) => workflow.runAsUnitOfWork(command, uow), {
      correlationId: ctx.correlationId,
      causationId: command.id,
      tenantId: ctx.tenantId,
      principal: ctx.principal,
      traceparent: ctx.traceparent,
      tracestate: ctx.tracestate,
      signal: ctx.signal,
    });
  }

  /**
   * A saga instance as stored (state, status, pending timeouts, version), or undefined.
   * @example
   * const instance = await app.sagaInstance(fulfillment, orderId);
   * instance?.status; // 'active' | 'completed' | 'compensated'
   */
  sagaInstance<S>(
    saga: Saga<S>,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredSagaInstance<S> | undefined> {
    if (!this.sagas) throw new StateError(`'${saga.name}' is not one of this app's sagas`);
    return this.sagas.instance(saga, id, options);
  }

  /**
   * Resolves when every async projection and reactor has caught up with the log as it is now.
   * @example
   * await app.send(PlaceOrder(order));
   * await app.waitForProjections();
   */
  waitForProjections(options?: {
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
  }): Promise<void> {
    return waitForProjections(this.store, [...this.projections, ...this.reactors], options);
  }

  /** Every async projection and reactor shard's checkpoint, holder and lag, across all nodes. */
  projectionProgress(): Promise<ShardProgress[]> {
    return projectionProgress(this.store, [...this.projections, ...this.reactors]);
  }

  get state(): 'idle' | 'starting' | 'started' | 'stopping' {
    return this.#state;
  }

  /**
   * Starts the background services in order. If one fails, those already started are
   * stopped again and the error is thrown.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new StateError(`Cannot start an app that is ${this.#state}`);
    this.#state = 'starting';
    this.#abort = new AbortController();
    try {
      // Inline read models are written from the first append: their tables and indexes must
      // exist first. (The daemon prepares those of the generations it builds.)
      for (const projection of this.projections)
        if (projection.lifecycle === 'inline') await prepareTarget(this.store, projection.target);
      for (const service of this.#services) {
        await service.start(this.#abort.signal);
        this.#started.push(service);
      }
      this.#observeGauges();
      this.#state = 'started';
    } catch (error) {
      await this.#stopStarted();
      this.#state = 'idle';
      throw error;
    }
  }

  /** Stops the background services in reverse order. The store stays open: it is the caller's. */
  async stop(): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    await this.#stopStarted();
    this.#state = 'idle';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * While started, the outbox backlog and the projection lag of every shard are read when
   * metrics are collected, from the store: every node reports the same cluster-wide values.
   */
  #observeGauges(): void {
    const metrics = this.telemetry.metrics;
    if (metrics === undefined) return;
    if (this.relay !== undefined) {
      const read = oneReadPerCollection(() => this.store.outbox.backlog());
      this.#unobserve.push(
        metrics.observe('outbox.backlog', async () => [{ value: (await read()).due, attributes: {} }]),
        metrics.observe('outbox.oldest_age', async () => {
          const oldest = (await read()).oldestDueCreatedAt;
          return [
            {
              value: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000),
              attributes: {},
            },
          ];
        }),
      );
    }
    const shards = [...this.projections.filter((p) => p.lifecycle === 'async'), ...this.reactors];
    if (shards.length === 0) return;
    // Both lag gauges are collected together: one read of the progress serves them.
    const progress = oneReadPerCollection(() => projectionProgress(this.store, shards));
    const series = (shard: ShardProgress) => ({
      [ATTR.projection]: shard.projection,
      [ATTR.partition]: shard.partition,
    });
    this.#unobserve.push(
      metrics.observe('projection.lag.positions', async () =>
        (await progress()).map((shard) => ({ value: shard.positionsBehind, attributes: series(shard) })),
      ),
      metrics.observe('projection.lag.seconds', async () =>
        (await progress()).map((shard) => ({ value: shard.secondsBehind, attributes: series(shard) })),
      ),
    );
  }

  #unobserve: (() => void)[] = [];

  async #stopStarted(): Promise<void> {
    for (const unobserve of this.#unobserve.splice(0)) unobserve();
    this.#abort?.abort(new StateError('The app is stopping'));
    const errors: unknown[] = [];
    for (const service of this.#started.toReversed()) {
      await service.stop().catch((error: unknown) => errors.push(error));
    }
    this.#started = [];
    if (errors.length > 0) throw new AggregateError(errors, 'Some services failed to stop');
  }
}

/**
 * Creates a Whizbang application.
 * @example
 * const app = whizbang({ store: memoryStore(), handlers: [placeOrder, getOrder], middleware: [logging] });
 * await app.start();
 * const { orderId } = await app.send(PlaceOrder({ customerId, items }));
 * await app.stop();
 */
export function whizbang(options: WhizbangOptions): WhizbangApp {
  return new WhizbangApp(options);
}
