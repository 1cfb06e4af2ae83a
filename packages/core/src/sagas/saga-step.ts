/**
 * One saga step, without storage: given the instance as stored (or none) and a message or due
 * timeout, run the handler and return the instance to store and what to send. Pure apart from
 * the handler's own reads, so the runtime can run it again on fresh state after losing a race,
 * and the given/when/then helpers can run it with no store at all.
 */
import { ValidationError } from '../errors/catalog.js';
import { uuidv7 } from '../ids/uuidv7.js';
import type { Command, Event } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import type { StoreSession } from '../store/ports.js';
import type { Saga, SagaContext, SagaFailure, SagaTimeout, TimeoutWhen } from './define-saga.js';

export type SagaStatus = 'active' | 'completed' | 'compensated';

/** The timeout that deletes an ended instance once `keepEndedFor` has passed. */
export const FORGET = '$forget';

/** A timeout waiting in the outbox under `id`. */
export interface PendingTimeout {
  readonly id: string;
  readonly dueAt: string;
  /** What `requestTimeout` passed along. */
  readonly data: unknown;
}

/** A saga instance as stored: a document in the saga's collection. */
export interface SagaInstance<S = unknown> {
  readonly state: S;
  readonly status: SagaStatus;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string;
  /** Why it compensated. */
  readonly failure?: SagaFailure;
  /** Messages and timeouts handled. */
  readonly steps: number;
  readonly timeouts: Readonly<Record<string, PendingTimeout>>;
  /** Commands that undo the steps so far, in the order recorded. */
  readonly compensations: readonly { readonly type: string; readonly data: unknown }[];
}

/** A due timeout, as the timeout message carries it. */
export interface DueTimeout {
  readonly name: string;
  readonly id: string;
  readonly data: unknown;
  readonly dueAt: string;
}

/** What made the step run. */
export type SagaTrigger =
  | { readonly kind: 'message'; readonly message: Envelope }
  | { readonly kind: 'timeout'; readonly message: Envelope; readonly timeout: DueTimeout };

/** A timeout to write to the outbox. */
export interface RequestedTimeout {
  readonly name: string;
  readonly id: string;
  readonly dueAt: Date;
  readonly data: unknown;
}

/** What a step asks for, to happen with its commit. */
export interface SagaIntents {
  readonly send: Command[];
  /** Commands sent as requests: their outcome comes back as a `whizbang.Reply`. */
  readonly requests: Command[];
  readonly publish: Event[];
  readonly timeouts: RequestedTimeout[];
  /** Outbox ids of timeouts withdrawn or replaced. */
  readonly cancelled: string[];
}

export type SagaStepOutcome<S> =
  | { readonly handled: false; readonly reason: 'no-instance' | 'ended' | 'stale-timeout' }
  | {
      readonly handled: true;
      readonly started: boolean;
      readonly instance: SagaInstance<S>;
      readonly intents: SagaIntents;
    };

/**
 * The context workflows' sagas get: `request` sends a command whose outcome comes back as a
 * `whizbang.Reply` (not public: a reply names its request by an id the workflow chooses).
 */
export interface RequestingContext extends SagaContext {
  request(command: Command): void;
}

export interface StepEnvironment {
  /** The instance id (the message's correlation). */
  readonly id: string;
  readonly store: StoreSession;
  /** Milliseconds since the epoch: the step's clock. */
  readonly now: number;
}

function dueAt(when: TimeoutWhen, now: number, name: string): Date {
  const at = when?.at !== undefined ? when.at.getTime() : now + (when?.delayMs ?? Number.NaN);
  if (!Number.isFinite(at) || (when?.delayMs !== undefined && when.delayMs < 0))
    throw new ValidationError(
      [{ message: 'must be { delayMs } (≥ 0) or { at } (a valid Date)', path: ['when'] }],
      `requestTimeout('${name}')`,
    );
  return new Date(at);
}

/** Runs the handler `trigger` calls for; see the module comment. */
export async function runSagaStep<S>(
  saga: Saga<S>,
  stored: SagaInstance<S> | undefined,
  trigger: SagaTrigger,
  env: StepEnvironment,
): Promise<SagaStepOutcome<S>> {
  const { message } = trigger;
  if (stored === undefined && (trigger.kind === 'timeout' || !saga.startedBy.has(message.type)))
    return { handled: false, reason: 'no-instance' };
  if (stored !== undefined && stored.status !== 'active') return { handled: false, reason: 'ended' };
  if (trigger.kind === 'timeout' && stored?.timeouts[trigger.timeout.name]?.id !== trigger.timeout.id)
    return { handled: false, reason: 'stale-timeout' }; // withdrawn or replaced after it was claimed

  const nowIso = new Date(env.now).toISOString();
  const intents: SagaIntents = { send: [], requests: [], publish: [], timeouts: [], cancelled: [] };
  const timeouts: Record<string, PendingTimeout> = { ...stored?.timeouts };
  const compensations = [...(stored?.compensations ?? [])];
  let ending: { status: 'completed' } | { status: 'compensated'; failure: SagaFailure } | undefined;
  const during = trigger.kind === 'timeout' ? `timeout:${trigger.timeout.name}` : message.type;
  if (trigger.kind === 'timeout') delete timeouts[trigger.timeout.name];

  const withdraw = (name: string) => {
    const pending = timeouts[name];
    if (pending === undefined) return;
    intents.cancelled.push(pending.id);
    delete timeouts[name];
  };
  const meta = message.metadata;
  const context: RequestingContext = {
    saga: saga.name,
    id: env.id,
    message,
    store: env.store,
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    tenantId: meta.tenantId,
    principal: meta.principal,
    traceparent: meta.traceparent,
    tracestate: meta.tracestate,
    headers: meta.headers,
    send: (command) => void intents.send.push(checked(command, 'send')),
    request: (command) => void intents.requests.push(checked(command, 'request')),
    publish: (event) => void intents.publish.push(checked(event, 'publish')),
    requestTimeout(name, when, data) {
      if (saga.timeoutHandler(name) === undefined)
        throw new ValidationError(
          [{ message: `the saga has no timeout '${name}': add it to timeouts`, path: ['name'] }],
          `saga '${saga.name}'.requestTimeout`,
        );
      const at = dueAt(when, env.now, name);
      withdraw(name);
      const id = uuidv7();
      timeouts[name] = { id, dueAt: at.toISOString(), data: data ?? null };
      intents.timeouts.push({ name, id, dueAt: at, data: data ?? null });
    },
    cancelTimeout: withdraw,
    addCompensation(command) {
      const { type, data } = checked(command, 'addCompensation');
      compensations.push({ type, data });
    },
    complete() {
      ending ??= { status: 'completed' };
    },
    compensate(reason) {
      if (typeof reason !== 'string' || reason.length === 0)
        throw new ValidationError(
          [{ message: 'must be a non-empty string', path: ['reason'] }],
          'compensate',
        );
      if (ending?.status !== 'compensated') ending = { status: 'compensated', failure: { reason, during } };
    },
  };

  let state = stored?.state ?? saga.initialState();
  state = orKeep(
    state,
    trigger.kind === 'timeout'
      ? await saga.timeoutHandler(trigger.timeout.name)!(state, timeoutOf(trigger.timeout), context)
      : await saga.handlerFor(message.type)!(state, message, context),
  );
  if (ending?.status === 'compensated') {
    // The last step done is the first undone.
    for (const { type, data } of compensations.toReversed()) intents.send.push({ type, data });
    if (saga.compensate) state = orKeep(state, await saga.compensate(state, ending.failure, context));
  }
  if (ending) {
    for (const name of Object.keys(timeouts)) withdraw(name);
    // Timeouts asked for in the step that ended the saga would never be wanted.
    intents.timeouts.length = 0;
    if (saga.keepEndedFor !== undefined)
      intents.timeouts.push({
        name: FORGET,
        id: uuidv7(),
        dueAt: new Date(env.now + saga.keepEndedFor),
        data: null,
      });
  }
  const instance: SagaInstance<S> = {
    state,
    status: ending?.status ?? 'active',
    startedAt: stored?.startedAt ?? nowIso,
    updatedAt: nowIso,
    ...(ending && { endedAt: nowIso }),
    ...(ending?.status === 'compensated' && { failure: ending.failure }),
    steps: (stored?.steps ?? 0) + 1,
    timeouts,
    compensations,
  };
  return { handled: true, started: stored === undefined, instance, intents };
}

function orKeep<S>(state: S, returned: S | void): S {
  return returned === undefined ? state : returned;
}

function timeoutOf(due: DueTimeout): SagaTimeout {
  return { name: due.name, data: due.data, dueAt: new Date(due.dueAt) };
}

function checked<M extends Command | Event>(message: M, operation: string): M {
  if (message === null || typeof message !== 'object' || typeof message.type !== 'string')
    throw new TypeError(`saga.${operation} needs a message object with a type, as built by its definition`);
  return message;
}
