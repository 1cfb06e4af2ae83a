/**
 * (Methods are `thenEvents`, `thenState`…, never a bare `then`: an object with `then` is a
 * thenable, and `await spec.when(...)` would silently call it.)
 *
 * Given/when/then for deciders: given past events, when a command arrives, then these events
 * (or this error, or nothing). Pure functions, no store, no runner dependency.
 */
import { foldEvents, toEventArray, type Command, type Decider, type Event } from '@whizbang/core';
import {
  assertSameList,
  assertSameValue,
  assertThrown,
  fail,
  typeAndData,
  type ErrorExpectation,
} from './diff.js';

export interface DeciderThen<E extends Event, S> {
  /** The command produced exactly these events (compared by type and data). */
  thenEvents(expected: readonly E[]): void;
  /** The command produced no events. */
  thenNothingHappened(): void;
  /** The command was refused with an error matching `expectation` (class, predicate, text or RegExp). */
  thenThrows(expectation?: ErrorExpectation): void;
  /** The state after the given and the new events. */
  thenState(expected: S): void;
}

export interface DeciderGiven<C extends Command, E extends Event, S> {
  when(command: C): DeciderThen<E, S>;
}

/**
 * @example
 * DeciderSpec.for(orderDecider)
 *   .given([OrderPlaced({ orderId: '1', total: 10 })])
 *   .when(ConfirmOrder({ orderId: '1' }))
 *   .thenEvents([OrderConfirmed({ orderId: '1' })]);
 */
export const DeciderSpec = {
  for<C extends Command, E extends Event, S>(
    decider: Decider<C, E, S>,
  ): { given(events: readonly E[]): DeciderGiven<C, E, S> } {
    return {
      given: (events) => ({
        when(command) {
          const run = (): { events: readonly E[]; state: S } => {
            const before = foldEvents(decider, events);
            const produced = toEventArray(decider.decide(command, before));
            return { events: produced, state: foldEvents(decider, produced, before) };
          };
          const succeed = () => {
            try {
              return run();
            } catch (error) {
              return fail(
                `Expected '${command.type}' to be accepted, but it threw: ${error instanceof Error ? error.message : String(error)}`,
              );
            }
          };
          return {
            thenEvents(expected) {
              assertSameList('events', expected.map(typeAndData), succeed().events.map(typeAndData));
            },
            thenNothingHappened() {
              assertSameList('events', [], succeed().events.map(typeAndData));
            },
            thenThrows(expectation) {
              let outcome: { events: readonly E[] } | undefined;
              try {
                outcome = run();
              } catch (error) {
                assertThrown(error, expectation);
                return;
              }
              fail(
                `Expected '${command.type}' to be refused, but it produced ${outcome.events.length} event(s): ${JSON.stringify(outcome.events.map(typeAndData))}`,
              );
            },
            thenState(expected) {
              assertSameValue('state', expected, succeed().state);
            },
          };
        },
      }),
    };
  },
};
