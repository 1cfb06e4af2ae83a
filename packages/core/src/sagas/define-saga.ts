/**
 * Sagas (process managers): long-running work across aggregates or services, driven by the
 * messages that concern one instance. A saga is plain data and functions: which messages start
 * it, how each message finds its instance (`correlate`), what each message does to the state
 * and which commands it sends, what happens when a timeout falls due, and how the work is
 * undone (`compensate`). Handlers decide; the runtime persists the state with optimistic
 * concurrency and writes the commands and timeouts to the outbox in the same transaction.
 */
import { ValidationError } from '../errors/catalog.js';
import { MAX_PARTITIONS } from '../event-store/partition.js';
import type { ExecutionContext } from '../context/execution-context.js';
import type { Command, Event, Message, MessageDefinition } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import type { StoreSession } from '../store/ports.js';

type Awaitable<T> = T | Promise<T>;

/** A message of `M` with type `T`, as its handler receives it. */
export type SagaMessageOf<M extends Message, T extends string> = [Extract<M, { type: T }>] extends [never]
  ? Envelope<T, M['data']>
  : Envelope<T, Extract<M, { type: T }>['data']>;

/** When a timeout falls due: after a delay, or at a time. */
export type TimeoutWhen =
  { readonly delayMs: number; readonly at?: never } | { readonly at: Date; readonly delayMs?: never };

/** A timeout that fell due, as its handler receives it. */
export interface SagaTimeout<D = unknown> {
  readonly name: string;
  /** What `requestTimeout` passed along. */
  readonly data: D;
  readonly dueAt: Date;
}

/** Why a saga compensates. */
export interface SagaFailure {
  readonly reason: string;
  /** The type of the message (or `timeout:<name>`) whose handler asked to compensate. */
  readonly during: string;
}

/**
 * What a handler can do besides returning the new state. Everything it asks for happens only
 * if the step commits: commands and timeouts are written to the outbox with the state.
 */
export interface SagaContext extends ExecutionContext {
  /** The saga's name. */
  readonly saga: string;
  /** The instance: what `correlate` returned for the message. */
  readonly id: string;
  /** The message being handled (for a timeout, the timeout message). */
  readonly message: Envelope;
  /** The step's transaction, for lookups a decision needs. Write through `send`, not here. */
  readonly store: StoreSession;
  /**
   * Sends a command once the step commits, through the outbox: to its local handler, or to the
   * service that owns it. It runs in its own transaction, never inside the saga's step.
   */
  send(command: Command): void;
  /** Publishes an event with the step (to local handlers, and out when it is a published one). */
  publish(event: Event): void;
  /**
   * Asks for `timeouts[name]` to run when due, with `data`. Asking again for the same name
   * replaces the earlier request. Durable: the timeout waits in the outbox.
   */
  requestTimeout(name: string, when: TimeoutWhen, data?: unknown): void;
  /** Withdraws a pending timeout; nothing happens if none is pending. */
  cancelTimeout(name: string): void;
  /**
   * Records a command that undoes what this step did. If the saga compensates later, the
   * recorded commands are sent in reverse order (the last step undone first).
   */
  addCompensation(command: Command): void;
  /** Ends the saga as done: its pending timeouts are withdrawn, later messages ignored. */
  complete(): void;
  /**
   * Ends the saga as failed: the recorded compensations are sent (last first), then the
   * saga's `compensate` runs; pending timeouts are withdrawn, later messages ignored.
   */
  compensate(reason: string): void;
}

export type SagaHandler<S, Msg> = (state: S, message: Msg, saga: SagaContext) => Awaitable<S | void>;

export type SagaHandlers<S, M extends Message> = {
  readonly [T in M['type']]?: SagaHandler<S, SagaMessageOf<M, T>>;
};

export type SagaCorrelations<M extends Message> = {
  readonly [T in M['type']]?: (message: SagaMessageOf<M, T>) => string;
};

export interface SagaOptions<S, M extends Message> {
  /** Names the saga's state collection and its checkpoints: 1–100 letters, digits, `_`, `-`, `.`. */
  readonly name: string;
  /**
   * The message types that create an instance when none exists. A message of any other type
   * for an instance that does not exist is ignored, so list every type that may arrive first.
   */
  readonly startedBy: readonly (M['type'] | MessageDefinition)[];
  /** For every handled type: the instance a message belongs to (an order id, say). */
  readonly correlate: SagaCorrelations<M>;
  readonly initialState: () => S;
  readonly handlers: SagaHandlers<S, M>;
  /** What to do when a requested timeout falls due, by name. */
  readonly timeouts?: Readonly<Record<string, SagaHandler<S, SagaTimeout>>>;
  /** Runs when the saga compensates, after the recorded compensations are sent. */
  readonly compensate?: SagaHandler<S, SagaFailure>;
  /** Split the log's events by stream into this many partitions (default 1); see reactors. */
  readonly partitions?: number;
  /**
   * How long an ended (completed or compensated) instance is kept, in ms, before it is deleted
   * (default: for good). While it is kept, a late message for it is ignored; once deleted, a
   * message of a `startedBy` type would start the saga again.
   */
  readonly keepEndedFor?: number;
  /**
   * Hear the events appended to this store's log (default true). With false, the saga hears
   * only messages from other services and its own timeouts, and costs the daemon nothing.
   */
  readonly log?: boolean;
}

export interface Saga<S = unknown> {
  readonly kind: 'saga';
  readonly name: string;
  /** Every message type the saga handles. */
  readonly messageTypes: readonly string[];
  readonly startedBy: ReadonlySet<string>;
  readonly initialState: () => S;
  readonly partitions: number;
  /** Whether it hears the events appended to this store's log. */
  readonly log: boolean;
  /** How long an ended instance is kept (ms), or undefined for good. */
  readonly keepEndedFor: number | undefined;
  correlationOf(message: Envelope): string;
  handlerFor(type: string): SagaHandler<S, Envelope> | undefined;
  timeoutHandler(name: string): SagaHandler<S, SagaTimeout> | undefined;
  readonly compensate: SagaHandler<S, SagaFailure> | undefined;
}

const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

function fail(message: string, path: string): never {
  throw new ValidationError([{ message, path: [path] }], 'defineSaga');
}

function typeOf(entry: unknown, path: string): string {
  if (typeof entry === 'string' && entry.length > 0) return entry;
  if (typeof entry === 'function' && typeof (entry as MessageDefinition).type === 'string')
    return (entry as MessageDefinition).type;
  return fail('must be a message type or a message definition', path);
}

/**
 * Defines a saga.
 * @example
 * export const fulfillment = defineSaga<Fulfillment, OrderPlaced | PaymentCaptured | PaymentDeclined>({
 *   name: 'order-fulfillment',
 *   startedBy: [OrderPlaced],
 *   correlate: { OrderPlaced: (e) => e.data.orderId, PaymentCaptured: (e) => e.data.orderId, PaymentDeclined: (e) => e.data.orderId },
 *   initialState: () => ({ status: 'new' }),
 *   handlers: {
 *     OrderPlaced: (state, e, saga) => {
 *       saga.send(CapturePayment({ orderId: e.data.orderId, amountCents: e.data.totalCents }));
 *       saga.requestTimeout('payment', { delayMs: 15 * 60_000 });
 *       return { status: 'awaiting-payment' };
 *     },
 *     PaymentCaptured: (state, e, saga) => { saga.send(ShipOrder({ orderId: e.data.orderId })); saga.complete(); },
 *     PaymentDeclined: (state, e, saga) => saga.compensate('payment declined'),
 *   },
 *   timeouts: { payment: (state, timeout, saga) => saga.compensate('no payment in time') },
 *   compensate: (state, failure, saga) => saga.send(CancelOrder({ orderId: saga.id, reason: failure.reason })),
 * });
 */
export function defineSaga<S, M extends Message = Message>(options: SagaOptions<S, M>): Saga<S> {
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    fail('must be 1–100 letters, digits, `_`, `-` or `.`, starting with a letter or digit', 'name');
  if (typeof options.initialState !== 'function') fail('must be a function', 'initialState');
  const handlers = new Map<string, SagaHandler<S, Envelope>>();
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (typeof handler !== 'function') fail('must be a function', `handlers.${type}`);
    handlers.set(type, handler as SagaHandler<S, Envelope>);
  }
  if (handlers.size === 0) fail('must handle at least one message type', 'handlers');
  const correlations = new Map<string, (message: Envelope) => string>();
  for (const type of handlers.keys()) {
    const correlate = (options.correlate as Record<string, unknown> | undefined)?.[type];
    if (typeof correlate !== 'function')
      fail('must be a function: every handled type needs one', `correlate.${type}`);
    correlations.set(type, correlate as (message: Envelope) => string);
  }
  if (!Array.isArray(options.startedBy) || options.startedBy.length === 0)
    fail('must name at least one message type', 'startedBy');
  const startedBy = new Set(options.startedBy.map((entry, i) => typeOf(entry, `startedBy[${i}]`)));
  for (const type of startedBy)
    if (!handlers.has(type)) fail(`'${type}' starts the saga, so it needs a handler`, 'startedBy');
  const timeouts = new Map<string, SagaHandler<S, SagaTimeout>>();
  for (const [name, handler] of Object.entries(options.timeouts ?? {})) {
    if (name.startsWith('$')) fail('names starting with `$` are reserved', `timeouts.${name}`);
    if (typeof handler !== 'function') fail('must be a function', `timeouts.${name}`);
    timeouts.set(name, handler);
  }
  if (options.compensate !== undefined && typeof options.compensate !== 'function')
    fail('must be a function', 'compensate');
  const partitions = options.partitions ?? 1;
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS)
    fail(`must be an integer from 1 to ${MAX_PARTITIONS}`, 'partitions');
  const keepEndedFor = options.keepEndedFor;
  if (keepEndedFor !== undefined && (!Number.isSafeInteger(keepEndedFor) || keepEndedFor < 0))
    fail('must be a whole number of milliseconds, 0 or more', 'keepEndedFor');
  const name = options.name;
  return Object.freeze({
    kind: 'saga' as const,
    name,
    messageTypes: Object.freeze([...handlers.keys()]),
    startedBy,
    initialState: options.initialState,
    partitions,
    log: options.log ?? true,
    keepEndedFor,
    correlationOf(message: Envelope): string {
      const id: unknown = correlations.get(message.type)?.(message);
      if (typeof id !== 'string' || id.length === 0 || id.length > 250)
        throw new ValidationError(
          [
            {
              message: 'must return a non-empty string of at most 250 characters',
              path: [`correlate.${message.type}`],
            },
          ],
          `saga '${name}'`,
        );
      return id;
    },
    handlerFor: (type: string) => handlers.get(type),
    timeoutHandler: (timeout: string) => timeouts.get(timeout),
    compensate: options.compensate,
  });
}
