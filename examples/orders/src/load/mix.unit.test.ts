import { describe, expect, it } from 'vitest';
import { chooseOperation, LOAD_MIX, STAND_INS, type Operation } from './mix.js';

/** The operation each of `n` evenly spaced rolls lands on, counted. */
function spread(n: number, possible?: (operation: Operation) => boolean): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const operation = chooseOperation(LOAD_MIX, i / n, possible);
    counts[operation] = (counts[operation] ?? 0) + 1;
  }
  return counts;
}

describe('the load mix', () => {
  it('weighs to 100, mostly reads, with the shop as it runs: payment confirms, nobody by hand', () => {
    expect(Object.values(LOAD_MIX).reduce((a, b) => a + b, 0)).toBe(100);
    expect(Object.keys(LOAD_MIX).toSorted()).toEqual(
      ['browse', 'cancel', 'get-order', 'list-my-orders', 'list-to-ship', 'place', 'ship'].toSorted(),
    );
    const reads =
      LOAD_MIX.browse + LOAD_MIX['get-order'] + LOAD_MIX['list-my-orders'] + LOAD_MIX['list-to-ship'];
    expect(reads).toBeGreaterThan(50);
    // The back office ships and cancels fewer orders than shoppers place: it never runs dry for long.
    expect(LOAD_MIX.ship + LOAD_MIX.cancel).toBeLessThan(LOAD_MIX.place);
  });

  it('lands on each operation in proportion to its weight', () => {
    expect(spread(1_000)).toEqual(
      Object.fromEntries(Object.entries(LOAD_MIX).map(([operation, weight]) => [operation, weight * 10])),
    );
    expect(chooseOperation(LOAD_MIX, 0)).toBe('browse');
    expect(chooseOperation(LOAD_MIX, 0.999_999)).toBe('cancel');
  });

  it('does what makes an operation possible instead of one that cannot run yet', () => {
    // At the start: no order placed, nothing confirmed to ship.
    const nothingYet = (operation: Operation) => !['get-order', 'ship', 'cancel'].includes(operation);
    expect(spread(1_000, nothingYet)).toEqual({
      browse: 350,
      'list-my-orders': 100,
      place: 200 + 150, // and every read of an order not placed yet
      'list-to-ship': 60 + 100 + 40, // and every shipment or cancellation with an empty list
    });
    // Every stand-in can always run.
    expect(Object.values(STAND_INS).filter((standIn) => !nothingYet(standIn))).toEqual([]);
  });
});
