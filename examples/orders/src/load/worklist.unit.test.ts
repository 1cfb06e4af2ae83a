import { describe, expect, it } from 'vitest';
import { worklist } from './worklist.js';

describe("a tenant's worklist", () => {
  it('hands each listed order to one worker, until a new list brings what the service shows', () => {
    const toShip = worklist();
    expect(toShip.take(() => 0)).toBeUndefined();
    toShip.refresh(['o-1', 'o-2', 'o-3']);
    const taken = [toShip.take(() => 0.99), toShip.take(() => 0), toShip.take(() => 0.5)];
    expect(taken).toEqual(['o-3', 'o-1', 'o-2']);
    expect([toShip.size, toShip.take(() => 0)]).toEqual([0, undefined]);
    // Read while o-2's shipment was on its way: it is on the list again (a lost race to come).
    toShip.refresh(['o-2', 'o-4']);
    expect(toShip.size).toBe(2);
  });
});
