/**
 * Broken object-level authorization across tenants, over real HTTP, for every route of the
 * orders API: tenant B's admin (who may send everything in B) naming tenant A's customer,
 * product and order gets 404, never A's data, and changes nothing of A's; A's token pointed at
 * tenant B with `X-Tenant-Id` is 403. Between customers of one tenant: ownership.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '@whizbang/http';
import { storeBackends } from './test-support/backends.js';
import { call, expectProblem, token, type Call } from './test-support/client.js';
import { caseOf, ordersApiRoutes, requestOf, routeKey } from './test-support/route-cases.js';
import { seedTenant, startService, type RunningService, type SeededTenant } from './test-support/service.js';

const routes = ordersApiRoutes().map((route) => [routeKey(route), route] as const);

describe.each(await storeBackends())('tenant isolation of the orders API on $name', (backend) => {
  let service: RunningService;
  let ids: SeededTenant; // tenant A's, acme
  let globex: SeededTenant; // tenant B's
  beforeAll(async () => {
    service = await startService(backend);
    ids = await seedTenant(service.url, 'acme');
    // Tenant B has data of its own, so "not found" is not merely "B has nothing at all".
    globex = await seedTenant(service.url, 'globex');
    await service.app.waitForProjections();
    await service.app.journeyRecorder?.flush();
  });
  afterAll(() => service?.close());

  /** Tenant A's token allowed to call `route` (its customer's, or its admin's). */
  const callerInA = (route: Route) => (caseOf(route).caller === 'admin' ? ids.admin : ids.customer);

  /** Everything tenant A can read about its data, with the versions. */
  async function tenantAView(): Promise<string[]> {
    const paths = [
      `/customers/${ids.customerId}`,
      `/customers/${ids.customerId}/orders`,
      `/products/${ids.productId}`,
      `/products/${ids.productId}/sales`,
      `/orders/${ids.orderId}`,
    ];
    return Promise.all(
      paths.map(async (path) => {
        const response = await call(service.url, { method: 'GET', path, token: ids.admin });
        const text = await response.text();
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        return text;
      }),
    );
  }

  /** What would give A's data away if it appeared in an answer to B. */
  const secretsOfA = () => [ids.customerId, ids.productId, ids.orderId, 'Ada of Acme', 'Acme anvil'];

  it.each(routes.filter(([, route]) => caseOf(route).otherTenant === 'not-found'))(
    "%s: tenant B's admin naming tenant A's ids is 404, with no data of A's",
    async (_, route) => {
      const before = await tenantAView();
      const request: Call = { ...requestOf(route, caseOf(route).sample(ids)), token: globex.admin };
      // With a version too: a stale-version answer would tell B that the order exists.
      const attempts =
        route.options.ifMatch === undefined
          ? [request]
          : [request, { ...request, headers: { 'if-match': '"1"' } }];
      for (const attempt of attempts) {
        const problem = await expectProblem(
          await call(service.url, attempt),
          404,
          expect.stringMatching(/NOT_FOUND$/),
        );
        expect(JSON.stringify(problem)).not.toMatch(/Ada of Acme|Acme anvil/);
      }
      expect(await tenantAView()).toEqual(before);
    },
  );

  it.each(routes.filter(([, route]) => caseOf(route).otherTenant === 'own'))(
    "%s: another tenant naming tenant A's ids only ever gets its own",
    async (_, route) => {
      const before = await tenantAView();
      // A route that creates does it in the caller's own tenant: a tenant of its own here, so
      // what it creates under A's ids cannot stand in for A's data in the cases above.
      const intruder =
        route.method === 'get' ? globex.admin : await token({ tenant: 'initech', roles: ['admin'] });
      const request: Call = { ...requestOf(route, caseOf(route).sample(ids)), token: intruder };
      const response = await call(service.url, request);
      const text = await response.text();
      expect(response.status).toBeLessThan(300);
      // Not a word of A's that the caller did not send itself.
      const sent = JSON.stringify(request.body ?? '');
      expect(secretsOfA().filter((secret) => !sent.includes(secret) && text.includes(secret))).toEqual([]);
      expect(await tenantAView()).toEqual(before);
    },
  );

  it.each(routes)("%s: tenant A's token sent to tenant B with X-Tenant-Id is 403", async (_, route) => {
    const before = await service.head();
    const response = await call(service.url, {
      ...requestOf(route, caseOf(route).sample(ids)),
      token: callerInA(route),
      headers: { 'x-tenant-id': 'globex' },
    });
    expect(await expectProblem(response, 403, 'WHIZBANG_CROSS_TENANT')).toMatchObject({
      tenantId: 'acme',
      requestedTenantId: 'globex',
    });
    expect(await service.head()).toBe(before);
  });

  it('serves tenant A its own data through the same routes', async () => {
    const [customer, , product, sales, order] = (await tenantAView()).map((text) => JSON.parse(text));
    expect(customer).toMatchObject({ customerId: ids.customerId, name: 'Ada of Acme', reservedCents: 50_00 });
    expect(product).toMatchObject({ productId: ids.productId, name: 'Acme anvil', stock: 8 });
    expect(sales).toMatchObject({ productId: ids.productId, unitsOrdered: 2 });
    expect(order).toMatchObject({ orderId: ids.orderId, status: 'pending', version: 1 });
    // The journey tenant B's admin was refused: there for tenant A's.
    const journey = await call(service.url, {
      method: 'GET',
      path: `/journeys/${ids.orderId}`,
      token: ids.admin,
    });
    expect(journey.status).toBe(200);
    expect(await journey.json()).toMatchObject({ roots: [{ messageType: 'PlaceOrder' }] });
  });
});
