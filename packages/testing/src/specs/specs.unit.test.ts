// oxlint-disable vitest/expect-expect -- the specs under test are the assertions: each throws on failure
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { defineCommand, defineEvent, type, type Decider, type MessageOf } from '@whizbang/core';
import { DeciderSpec, ProjectionSpec, SagaSpec } from '../index.js';

const Place = defineCommand('Place', { data: type<{ id: string; total: number }>() });
const Confirm = defineCommand('Confirm', { data: type<{ id: string }>() });
const Placed = defineEvent('Placed', { data: type<{ id: string; total: number }>() });
const Confirmed = defineEvent('Confirmed', { data: type<{ id: string }>() });
type OrderCommand = MessageOf<typeof Place> | MessageOf<typeof Confirm>;
type OrderEvent = MessageOf<typeof Placed> | MessageOf<typeof Confirmed>;
type State = { status: 'none' | 'placed' | 'confirmed' };

class NotPlaced extends Error {}

const order: Decider<OrderCommand, OrderEvent, State> = {
  initialState: () => ({ status: 'none' }),
  decide: (command, state) => {
    if (command.type === 'Place') return state.status === 'none' ? [Placed(command.data)] : [];
    if (state.status !== 'placed') throw new NotPlaced('only placed orders confirm');
    return Confirmed({ id: command.data.id });
  },
  evolve: (_state, event) => ({ status: event.type === 'Placed' ? 'placed' : 'confirmed' }),
};

/** The AssertionError a failing spec throws, for checking its message. */
function failure(run: () => void): AssertionError {
  try {
    run();
  } catch (error) {
    if (error instanceof AssertionError) return error;
    throw error;
  }
  throw new Error('the spec passed, but it should have failed');
}

describe('DeciderSpec', () => {
  const spec = DeciderSpec.for(order);

  it('passes when the events, state, refusal or silence are as expected', () => {
    spec
      .given([])
      .when(Place({ id: '1', total: 5 }))
      .thenEvents([Placed({ id: '1', total: 5 })]);
    spec
      .given([Placed({ id: '1', total: 5 })])
      .when(Confirm({ id: '1' }))
      .thenState({ status: 'confirmed' });
    spec
      .given([])
      .when(Confirm({ id: '1' }))
      .thenThrows(NotPlaced);
    spec
      .given([])
      .when(Confirm({ id: '1' }))
      .thenThrows('only placed');
    spec
      .given([Placed({ id: '1', total: 5 })])
      .when(Place({ id: '1', total: 5 }))
      .thenNothingHappened();
  });

  it('names the first differing index and shows both lists', () => {
    const error = failure(() =>
      spec
        .given([])
        .when(Place({ id: '1', total: 5 }))
        .thenEvents([Placed({ id: '1', total: 6 })]),
    );
    expect(error.message).toContain('events differ at index 0');
    expect(error.message).toMatch(/Expected events:[\s\S]*"total": 6[\s\S]*Actual events:[\s\S]*"total": 5/);
  });

  it('reports a count mismatch', () => {
    const error = failure(() =>
      spec
        .given([])
        .when(Place({ id: '1', total: 5 }))
        .thenEvents([]),
    );
    expect(error.message).toContain('expected 0 events, got 1');
  });

  it('fails when a refusal was expected but events came, and says which', () => {
    const error = failure(() =>
      spec
        .given([])
        .when(Place({ id: '1', total: 5 }))
        .thenThrows(),
    );
    expect(error.message).toContain("Expected 'Place' to be refused, but it produced 1 event(s)");
  });

  it('fails when the wrong error was thrown', () => {
    const error = failure(() =>
      spec
        .given([])
        .when(Confirm({ id: '1' }))
        .thenThrows(TypeError),
    );
    expect(error.message).toContain('Expected a TypeError, got Error: only placed orders confirm');
  });

  it('fails when an accepted command throws', () => {
    const error = failure(() =>
      spec
        .given([])
        .when(Confirm({ id: '1' }))
        .thenEvents([]),
    );
    expect(error.message).toContain(
      "Expected 'Confirm' to be accepted, but it threw: only placed orders confirm",
    );
  });
});

describe('ProjectionSpec', () => {
  const totals = {
    initialState: () => ({ count: 0, sum: 0 }),
    evolve: {
      Placed: (s: { count: number; sum: number }, e: MessageOf<typeof Placed>) => ({
        count: s.count + 1,
        sum: s.sum + e.data.total,
      }),
    },
  };

  it('folds events with a handler map, ignoring other types', () => {
    ProjectionSpec.for<{ count: number; sum: number }, OrderEvent>(totals)
      .given([Placed({ id: '1', total: 2 }), Confirmed({ id: '1' }), Placed({ id: '2', total: 3 })])
      .thenState({ count: 2, sum: 5 });
    ProjectionSpec.for<{ count: number; sum: number }, OrderEvent>(totals)
      .given([Placed({ id: '1', total: 2 })])
      .thenMatches({ sum: 2 });
  });

  it('shows expected and actual read models on failure', () => {
    const error = failure(() =>
      ProjectionSpec.for<{ count: number; sum: number }, OrderEvent>(totals)
        .given([])
        .thenState({ count: 1, sum: 0 }),
    );
    expect(error.message).toMatch(/read model differs[\s\S]*"count": 1[\s\S]*"count": 0/);
  });
});

describe('SagaSpec', () => {
  const saga = {
    initialState: () => ({ placed: false }),
    handle: (state: { placed: boolean }, message: OrderEvent) =>
      message.type === 'Placed'
        ? { state: { placed: true }, send: [Confirm({ id: message.data.id })] }
        : { state, complete: state.placed },
  };

  it('checks sent messages, state and completion', () => {
    SagaSpec.for(saga)
      .given([])
      .when(Placed({ id: '1', total: 1 }))
      .thenSends([Confirm({ id: '1' })]);
    SagaSpec.for(saga)
      .given([])
      .when(Placed({ id: '1', total: 1 }))
      .thenState({ placed: true });
    SagaSpec.for(saga)
      .given([Placed({ id: '1', total: 1 })])
      .when(Confirmed({ id: '1' }))
      .thenCompletes();
  });

  it('fails readably', () => {
    expect(
      failure(() =>
        SagaSpec.for(saga)
          .given([])
          .when(Placed({ id: '1', total: 1 }))
          .thenSends([]),
      ).message,
    ).toContain('expected 0 sent messages, got 1');
    expect(
      failure(() =>
        SagaSpec.for(saga)
          .given([])
          .when(Confirmed({ id: '1' }))
          .thenCompletes(),
      ).message,
    ).toContain("Expected the saga to complete on 'Confirmed'");
  });
});
