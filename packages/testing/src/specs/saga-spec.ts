/**
 * Given/when/then for sagas, with no app and no broker: given the messages an instance already
 * handled, when one more message (or a due timeout) arrives, then it sends these commands,
 * reaches this state, asks for this timeout, completes, compensates, or ignores the message.
 * Each step runs exactly as the runtime runs it (`runSagaStep`), so what passes here holds there.
 */
import {
  memoryStore,
  runSagaStep,
  uuidv7,
  type Envelope,
  type Message,
  type Saga,
  type SagaInstance,
  type SagaStepOutcome,
  type SagaTrigger,
  type StoreSession,
} from '@whizbang/core';
import { assertSameList, assertSameValue, fail, typeAndData } from './diff.js';

/** A message as a test writes it: built by its definition, or an envelope already. */
type Incoming = Message | Envelope;

const asEnvelope = (message: Incoming, tenantId: string | undefined): Envelope =>
  'metadata' in message
    ? message
    : {
        id: message.id ?? uuidv7(),
        type: message.type,
        data: message.data,
        metadata: { correlationId: 'saga-spec', timestamp: Date.now(), tenantId },
      };

export interface SagaSpecOptions {
  /** What the handlers read through `saga.store` (default: an empty in-memory store). */
  readonly store?: StoreSession;
  readonly tenantId?: string;
}

/** The checks on what the `when` step did. Each runs the scenario and resolves, or rejects with a diff. */
export interface SagaThen<S> {
  /** Exactly these commands were sent (compared by type and data), compensations included. */
  thenSends(expected: readonly Message[]): Promise<void>;
  thenState(expected: S): Promise<void>;
  /** A timeout of this name is pending after the step (with this data, if given). */
  thenRequestsTimeout(name: string, data?: unknown): Promise<void>;
  thenCompletes(): Promise<void>;
  /** The saga compensated (for this reason, if given). */
  thenCompensates(reason?: string): Promise<void>;
  /** The message changed nothing: no instance waited for it, or it had ended. */
  thenIgnores(): Promise<void>;
}

/**
 * @example
 * await SagaSpec.for(fulfillment)
 *   .given([OrderPlaced(o)])
 *   .when(PaymentCaptured(p))
 *   .thenSends([ShipOrder({ orderId })]);
 * await SagaSpec.for(fulfillment).given([OrderPlaced(o)]).whenTimeout('payment').thenCompensates();
 */
export const SagaSpec = {
  for<S>(saga: Saga<S>, options: SagaSpecOptions = {}) {
    const store = options.store ?? memoryStore();
    return {
      given(history: readonly Incoming[]) {
        const replay = async () => {
          let instance: SagaInstance<S> | undefined;
          let id: string | undefined;
          for (const past of history) {
            const message = asEnvelope(past, options.tenantId);
            const belongsTo = saga.correlationOf(message);
            if (id !== undefined && belongsTo !== id)
              fail(`The given '${message.type}' belongs to instance '${belongsTo}', not '${id}'`);
            id = belongsTo;
            const outcome = await runSagaStep(
              saga,
              instance,
              { kind: 'message', message },
              {
                id,
                store,
                now: Date.now(),
              },
            );
            if (!outcome.handled) fail(`The saga ignored the given '${message.type}' (${outcome.reason})`);
            instance = outcome.instance;
          }
          return { instance, id };
        };
        const then = (run: () => Promise<{ outcome: SagaStepOutcome<S>; what: string }>): SagaThen<S> => {
          const handled = async () => {
            const { outcome, what } = await run();
            if (!outcome.handled) fail(`The saga ignored ${what} (${outcome.reason})`);
            return { ...outcome, what };
          };
          return {
            async thenSends(expected) {
              const { intents } = await handled();
              assertSameList('sent messages', expected.map(typeAndData), intents.send.map(typeAndData));
            },
            async thenState(expected) {
              assertSameValue('saga state', expected, (await handled()).instance.state);
            },
            async thenRequestsTimeout(name, data) {
              const { intents, what } = await handled();
              const requested = intents.timeouts.find((t) => t.name === name);
              if (!requested) fail(`Expected ${what} to ask for timeout '${name}', but it did not`);
              if (data !== undefined) assertSameValue(`timeout '${name}' data`, data, requested.data);
            },
            async thenCompletes() {
              const { instance, what } = await handled();
              if (instance.status !== 'completed')
                fail(`Expected the saga to complete on ${what}, but it is ${instance.status}`);
            },
            async thenCompensates(reason) {
              const { instance, what } = await handled();
              if (instance.status !== 'compensated')
                fail(`Expected the saga to compensate on ${what}, but it is ${instance.status}`);
              if (reason !== undefined)
                assertSameValue('compensation reason', reason, instance.failure?.reason);
            },
            async thenIgnores() {
              const { outcome, what } = await run();
              if (outcome.handled) fail(`Expected the saga to ignore ${what}, but it handled it`);
            },
          };
        };
        return {
          when(message: Incoming): SagaThen<S> {
            return then(async () => {
              const { instance } = await replay();
              const envelope = asEnvelope(message, options.tenantId);
              const trigger: SagaTrigger = { kind: 'message', message: envelope };
              const id = saga.correlationOf(envelope);
              return {
                outcome: await runSagaStep(saga, instance, trigger, { id, store, now: Date.now() }),
                what: `'${envelope.type}'`,
              };
            });
          },
          /** The pending timeout `name` falls due. */
          whenTimeout(name: string): SagaThen<S> {
            return then(async () => {
              const { instance, id } = await replay();
              const pending = instance?.timeouts[name];
              if (!instance || !pending || id === undefined)
                fail(`No timeout '${name}' is pending after the given messages`);
              const envelope = asEnvelope({ type: 'whizbang.SagaTimeout', data: null }, options.tenantId);
              const trigger: SagaTrigger = {
                kind: 'timeout',
                message: envelope,
                timeout: { name, id: pending.id, data: pending.data, dueAt: pending.dueAt },
              };
              return {
                outcome: await runSagaStep(saga, instance, trigger, { id, store, now: Date.now() }),
                what: `timeout '${name}'`,
              };
            });
          },
        };
      },
    };
  },
};
