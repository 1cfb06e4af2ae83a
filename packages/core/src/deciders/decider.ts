/**
 * A decider is the whole domain logic of an aggregate as three plain functions: the state
 * before any event, how a command turns state into new events, and how an event changes state.
 */
import type { Command, Event } from '../messages/define.js';

/**
 * @example
 * const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
 *   initialState: () => ({ status: 'none' }),
 *   decide: (command, state) => { ... return [OrderPlaced(...)] },
 *   evolve: (state, event) => { ... return nextState },
 * };
 */
export interface Decider<C extends Command = Command, E extends Event = Event, S = unknown> {
  readonly initialState: () => S;
  /** Returns the events a command causes; throws a domain error to refuse it. */
  readonly decide: (command: C, state: S) => E | readonly E[];
  readonly evolve: (state: S, event: E) => S;
}

/** Folds events into state, from `state` (default: the decider's initial state). */
export function foldEvents<E extends Event, S>(
  decider: Pick<Decider<Command, E, S>, 'initialState' | 'evolve'>,
  events: Iterable<E>,
  state: S = decider.initialState(),
): S {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}

/** `decide` may return one event or many; this always gives an array. */
export function toEventArray<E>(result: E | readonly E[]): readonly E[] {
  return Array.isArray(result) ? (result as readonly E[]) : [result as E];
}
