/**
 * Given/when/then for projections as plain folds: given events, then this read-model state.
 * `evolve` may be one function or a map of handlers by event type (others leave state alone).
 */
import type { Event } from '@whizbang/core';
import { assertMatches, assertSameValue } from './diff.js';

export type ProjectionHandlers<S, E extends Event> = {
  readonly [T in E['type']]?: (state: S, event: Extract<E, { type: T }>) => S;
};

export interface FoldProjection<S, E extends Event> {
  readonly initialState: () => S;
  readonly evolve: ((state: S, event: E) => S) | ProjectionHandlers<S, E>;
}

function apply<S, E extends Event>(projection: FoldProjection<S, E>, state: S, event: E): S {
  const { evolve } = projection;
  if (typeof evolve === 'function') return evolve(state, event);
  const handler = (evolve as Record<string, ((s: S, e: E) => S) | undefined>)[event.type];
  return handler ? handler(state, event) : state;
}

/**
 * @example
 * ProjectionSpec.for({ initialState: () => ({ count: 0 }), evolve: { OrderPlaced: (s) => ({ count: s.count + 1 }) } })
 *   .given([OrderPlaced(a), OrderPlaced(b)])
 *   .thenState({ count: 2 });
 */
export const ProjectionSpec = {
  for<S, E extends Event>(projection: FoldProjection<S, E>) {
    return {
      given(events: readonly E[]) {
        const state = () => events.reduce((s, e) => apply(projection, s, e), projection.initialState());
        return {
          /** The read model equals `expected`. */
          thenState(expected: S): void {
            assertSameValue('read model', expected, state());
          },
          /** Every key of `partial` matches the read model. */
          thenMatches(partial: Partial<S> & Record<string, unknown>): void {
            assertMatches('read model', partial, state());
          },
        };
      },
    };
  },
};
