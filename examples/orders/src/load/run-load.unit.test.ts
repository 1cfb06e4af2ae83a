import { describe, expect, it } from 'vitest';
import { JWT } from '../http/test-support/client.js';
import { runLoad, shopperNode } from './run-load.js';

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

  it('refuses shared customers that would shop in two tenants, before it sends anything', async () => {
    // Port 9 (discard): a request would fail with a connection error, not this one.
    const load = { url: 'http://127.0.0.1:9', jwt: JWT, seconds: 1, connections: 8 };
    await expect(runLoad({ ...load, customers: 3 })).rejects.toThrow(
      'customers must be a positive multiple of the 2 tenants, not 3',
    );
    await expect(runLoad({ ...load, customers: 0 })).rejects.toThrow(RangeError);
  });
});
