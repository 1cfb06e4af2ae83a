import { describe, expect, it } from 'vitest';
import { chooseOperation, LOAD_MIX, type Operation } from './mix.js';

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
  it('weighs to 100, mostly reads, every operation of the shop in it', () => {
    expect(Object.values(LOAD_MIX).reduce((a, b) => a + b, 0)).toBe(100);
    expect(Object.keys(LOAD_MIX).toSorted()).toEqual(
      ['browse', 'cancel', 'confirm', 'get-order', 'list-my-orders', 'place', 'ship'].toSorted(),
    );
    const reads = LOAD_MIX.browse + LOAD_MIX['get-order'] + LOAD_MIX['list-my-orders'];
    expect(reads).toBeGreaterThan(50);
  });

  it('lands on each operation in proportion to its weight', () => {
    expect(spread(1_000)).toEqual(
      Object.fromEntries(Object.entries(LOAD_MIX).map(([operation, weight]) => [operation, weight * 10])),
    );
    expect(chooseOperation(LOAD_MIX, 0)).toBe('browse');
    expect(chooseOperation(LOAD_MIX, 0.999_999)).toBe('cancel');
  });

  it('places an order instead of an operation that cannot run yet', () => {
    const noOrders = (operation: Operation) =>
      !['confirm', 'ship', 'cancel', 'get-order'].includes(operation);
    const counts = spread(1_000, noOrders);
    expect(counts).toEqual({
      browse: 350,
      'list-my-orders': 100,
      place: 200 + 150 + 100 + 60 + 40,
    });
  });
});
