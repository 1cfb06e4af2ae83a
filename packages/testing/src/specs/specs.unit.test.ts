// oxlint-disable vitest/expect-expect -- the specs under test are the assertions: each throws on failure
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { defineCommand, defineEvent, defineSaga, type, type Decider, type MessageOf } from '@whizbang/core';
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
  const Cancel = defineCommand('Cancel', { data: type<{ id: string }>() });
  const confirmation = defineSaga<{ placed: boolean }, OrderEvent>({
    name: 'confirmation',
    startedBy: [Placed],
    correlate: { Placed: (e) => e.data.id, Confirmed: (e) => e.data.id },
    initialState: () => ({ placed: false }),
    handlers: {
      Placed: (_state, e, saga) => {
        saga.send(Confirm({ id: e.data.id }));
        saga.requestTimeout('confirmation', { delayMs: 60_000 }, { total: e.data.total });
        return { placed: true };
      },
      Confirmed: (_state, _e, saga) => saga.complete(),
    },
    timeouts: {
      confirmation: (_state, timeout, saga) =>
        saga.compensate(`unconfirmed order of ${(timeout.data as { total: number }).total}`),
    },
    compensate: (_state, _failure, saga) => saga.send(Cancel({ id: saga.id })),
  });

  it('checks sent messages, state, timeouts, completion and compensation', async () => {
    await SagaSpec.for(confirmation)
      .given([])
      .when(Placed({ id: '1', total: 1 }))
      .thenSends([Confirm({ id: '1' })]);
    await SagaSpec.for(confirmation)
      .given([])
      .when(Placed({ id: '1', total: 1 }))
      .thenState({ placed: true });
    await SagaSpec.for(confirmation)
      .given([])
      .when(Placed({ id: '1', total: 7 }))
      .thenRequestsTimeout('confirmation', { total: 7 });
    await SagaSpec.for(confirmation)
      .given([Placed({ id: '1', total: 1 })])
      .when(Confirmed({ id: '1' }))
      .thenCompletes();
    await SagaSpec.for(confirmation)
      .given([Placed({ id: '1', total: 3 })])
      .whenTimeout('confirmation')
      .thenCompensates('unconfirmed order of 3');
    await SagaSpec.for(confirmation)
      .given([Placed({ id: '1', total: 3 })])
      .whenTimeout('confirmation')
      .thenSends([Cancel({ id: '1' })]);
    await SagaSpec.for(confirmation)
      .given([])
      .when(Confirmed({ id: '1' }))
      .thenIgnores();
  });

  it('fails readably', async () => {
    const failed = async (run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        return error as AssertionError;
      }
      throw new Error('expected the spec to fail');
    };
    expect(
      (
        await failed(() =>
          SagaSpec.for(confirmation)
            .given([])
            .when(Placed({ id: '1', total: 1 }))
            .thenSends([]),
        )
      ).message,
    ).toContain('expected 0 sent messages, got 1');
    expect(
      (
        await failed(() =>
          SagaSpec.for(confirmation)
            .given([])
            .when(Confirmed({ id: '1' }))
            .thenCompletes(),
        )
      ).message,
    ).toContain("The saga ignored 'Confirmed' (no-instance)");
    expect(
      (
        await failed(() =>
          SagaSpec.for(confirmation)
            .given([Placed({ id: '1', total: 1 })])
            .when(Confirmed({ id: '1' }))
            .thenCompensates(),
        )
      ).message,
    ).toContain("Expected the saga to compensate on 'Confirmed', but it is completed");
    expect(
      (
        await failed(() =>
          SagaSpec.for(confirmation)
            .given([Placed({ id: '1', total: 1 }), Placed({ id: '2', total: 1 })])
            .when(Confirmed({ id: '1' }))
            .thenCompletes(),
        )
      ).message,
    ).toContain("belongs to instance '2', not '1'");
  });
});
