import { describe, expect, it } from 'vitest';
import { shopperNode } from './run-load.js';

describe('the load over several API nodes', () => {
  it("spreads every tenant's shoppers over every node, evenly", () => {
    const urls = ['http://a', 'http://b'];
    const tenants = ['load-1', 'load-2'];
    // Shopper i shops in tenant i % 2, as runLoad assigns them.
    const shoppers = Array.from({ length: 8 }, (_, i) => ({
      tenant: tenants[i % tenants.length],
      node: shopperNode(i, tenants.length, urls),
    }));
    for (const tenant of tenants)
      expect(shoppers.filter((s) => s.tenant === tenant).map((s) => s.node)).toEqual([
        'http://a',
        'http://b',
        'http://a',
        'http://b',
      ]);
  });

  it('sends every shopper to the one URL it was given', () => {
    expect(Array.from({ length: 5 }, (_, i) => shopperNode(i, 3, ['http://one']))).toEqual(
      Array.from({ length: 5 }, () => 'http://one'),
    );
  });
});
