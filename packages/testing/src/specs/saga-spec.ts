/**
 * Given/when/then for sagas as plain state machines: given the messages it already handled,
 * when one more arrives, then it sends these messages, reaches this state, or completes.
 */
import type { Message } from '@whizbang/core';
import { assertSameList, assertSameValue, fail, typeAndData } from './diff.js';

export interface SagaStep<S> {
  readonly state: S;
  readonly send?: readonly Message[];
  readonly complete?: boolean;
}

export interface PlainSaga<S, M extends Message> {
  readonly initialState: () => S;
  readonly handle: (state: S, message: M) => SagaStep<S>;
}

/**
 * @example
 * SagaSpec.for(fulfillment)
 *   .given([OrderConfirmed(o)])
 *   .when(PaymentSucceeded(p))
 *   .thenSends([ShipOrder({ orderId })]);
 */
export const SagaSpec = {
  for<S, M extends Message>(saga: PlainSaga<S, M>) {
    return {
      given(history: readonly M[]) {
        return {
          when(message: M) {
            const run = (): SagaStep<S> => {
              let state = saga.initialState();
              for (const past of history) {
                const step = saga.handle(state, past);
                if (step.complete)
                  fail(
                    `The saga completed while handling the given '${past.type}', before '${message.type}'`,
                  );
                state = step.state;
              }
              return saga.handle(state, message);
            };
            return {
              /** Exactly these messages were sent (compared by type and data). */
              thenSends(expected: readonly Message[]): void {
                assertSameList(
                  'sent messages',
                  expected.map(typeAndData),
                  (run().send ?? []).map(typeAndData),
                );
              },
              thenState(expected: S): void {
                assertSameValue('saga state', expected, run().state);
              },
              thenCompletes(): void {
                if (!run().complete)
                  fail(`Expected the saga to complete on '${message.type}', but it did not`);
              },
            };
          },
        };
      },
    };
  },
};
