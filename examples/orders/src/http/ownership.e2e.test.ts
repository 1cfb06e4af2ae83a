/**
 * Customers of one tenant, over real HTTP on SQLite, for every route of the orders API: a
 * customer reads and orders as themselves only. Another customer's order, record or order
 * list is 404, the same answer as for one that does not exist; ordering for another customer
 * is 403; the back office's routes are 403 to every customer; the catalogue is everyone's. An
 * admin does all of it. Each refusal writes nothing, and is audited even where the client saw 404.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@whizbang/core';
import type { Route } from '@whizbang/http';
import { sqlite } from './test-support/backends.js';
import { call, expectProblem, type Call } from './test-support/client.js';
import { caseOf, ordersApiRoutes, requestOf, routeKey, type TenantIds } from './test-support/route-cases.js';
import {
  freshIds,
  seedTenant,
  startService,
  type RunningService,
  type SeededTenant,
} from './test-support/service.js';

const routes = ordersApiRoutes().map((route) => [routeKey(route), route] as const);

/** What a problem says about the request it answers, for comparing two answers. */
const withoutRequestIds = ({
  instance: _instance,
  requestId: _requestId,
  correlationId: _correlationId,
  ...rest
}: Record<string, unknown>) => rest;

/** What another customer's token gets, by what the route case says of it. */
const TO_A_CUSTOMER = {
  // Refused for the permission, whoever's ids are named.
  backOffice: { status: 403, code: 'WHIZBANG_FORBIDDEN', refusedBy: 'a permission' },
  // As if there were nothing, and not a word of why.
  'not-found': { status: 404, code: 'WHIZBANG_NOT_FOUND', refusedBy: undefined },
  forbidden: { status: 403, code: 'WHIZBANG_FORBIDDEN', refusedBy: 'own customer' },
  shared: { status: 200 },
} as const;

describe('customers of one tenant, on the orders API', () => {
  let service: RunningService;
  let ada: SeededTenant; // customer A: her customer record, a product, her order
  let grace: SeededTenant; // customer B of the same tenant, with her own
  const denials: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const logger = jsonLogger({
      level: 'warn',
      write: (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry['event'] === 'whizbang.authorization.denied') denials.push(entry);
      },
    });
    service = await startService(sqlite, { logger });
    ada = await seedTenant(service.url, 'acme');
    grace = await seedTenant(service.url, 'acme');
    await service.app.waitForProjections();
    await service.app.journeyRecorder?.flush();
  });
  afterAll(() => service?.close());

  const send = (request: Call) => call(service.url, request);
  /** The request of `route`'s sample about `ids`, as `token`. */
  const sample = (route: Route, ids: TenantIds, token: string): Call => ({
    ...requestOf(route, caseOf(route).sample(ids)),
    token,
  });
  /** Words of Ada's that must not reach Grace: her ids (the order's, the customer's). */
  const adasSecrets = () => [ada.orderId, ada.customerId];

  /** What a response says, in the terms a route case promises, and its text without the request's ids. */
  async function answerOf(response: Response) {
    const body = JSON.parse(await response.text()) as Record<string, unknown>;
    return {
      status: response.status,
      code: body['code'],
      refusedBy: body['policy'] ?? (body['permission'] === undefined ? undefined : 'a permission'),
      text: JSON.stringify(withoutRequestIds(body)),
    };
  }

  /** What Grace's token naming Ada's ids gets, by the route's case. */
  function promised(route: Route): Readonly<Record<string, unknown>> {
    const routeCase = caseOf(route);
    return routeCase.caller === 'admin' ? TO_A_CUSTOMER.backOffice : TO_A_CUSTOMER[routeCase.otherCustomer];
  }

  it.each(routes)("%s: Grace's token naming Ada's ids gets what the route promises her", async (_, route) => {
    const before = await service.head();
    const answer = await answerOf(await send(sample(route, ada, grace.customer)));
    expect(answer).toMatchObject(promised(route));
    // Nothing of Ada's but what Grace sent herself (the path a problem names).
    expect(adasSecrets().filter((secret) => answer.text.includes(secret))).toEqual([]);
    expect(await service.head()).toBe(before);
  });

  const hiddenFromOthers = routes.filter(([, route]) => promised(route).status === 404);

  it.each(hiddenFromOthers)(
    "%s: Grace gets for Ada's the very answer of an id nobody uses",
    async (_, route) => {
      const [adas, nobodys] = await Promise.all(
        [ada, freshIds()].map(
          async (ids) => (await answerOf(await send(sample(route, ids, grace.customer)))).text,
        ),
      );
      expect(adas).toBe(nobodys);
    },
  );

  it('lets Ada read her own order, record and order list', async () => {
    for (const path of [
      `/orders/${ada.orderId}`,
      `/customers/${ada.customerId}`,
      `/customers/${ada.customerId}/orders`,
    ]) {
      const response = await send({ method: 'GET', path, token: ada.customer });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    const list = await send({
      method: 'GET',
      path: `/customers/${ada.customerId}/orders`,
      token: ada.customer,
    });
    expect(((await list.json()) as { orders: { orderId: string }[] }).orders.map((o) => o.orderId)).toEqual([
      ada.orderId,
    ]);
  });

  it("answers Grace's read of Ada's order with 404, and audits the refusal all the same", async () => {
    const response = await send({
      method: 'GET',
      path: `/orders/${ada.orderId}`,
      token: grace.customer,
      headers: { 'x-correlation-id': 'grace-reads-ada' },
    });
    await expectProblem(response, 404, 'WHIZBANG_NOT_FOUND');
    expect(denials.filter((d) => d['correlationId'] === 'grace-reads-ada')).toEqual([
      expect.objectContaining({
        messageType: 'GetOrder',
        principalId: grace.customerId,
        tenantId: 'acme',
        policy: 'own order',
        reason: "another customer's order",
      }),
    ]);
  });

  it('refuses Grace an order for Ada with 403, and writes nothing', async () => {
    const before = await service.head();
    const response = await send({
      method: 'POST',
      path: '/orders',
      token: grace.customer,
      body: {
        orderId: randomUUID(),
        customerId: ada.customerId,
        items: [{ productId: ada.productId, quantity: 1 }],
      },
    });
    expect(await expectProblem(response, 403, 'WHIZBANG_FORBIDDEN')).toMatchObject({
      policy: 'own customer',
      reason: 'a customer acts for themselves only',
    });
    expect(await service.head()).toBe(before);
  });

  it('refuses a customer the back office, for their own order too: cancel, confirm, ship, deliver', async () => {
    const before = await service.head();
    for (const [action, body] of [
      ['cancel', { reason: 'changed my mind' }],
      ['confirm', {}],
      ['ship', { trackingNumber: '1Z-MINE' }],
      ['deliver', {}],
    ] as const) {
      const response = await send({
        method: 'POST',
        path: `/orders/${ada.orderId}/${action}`,
        token: ada.customer,
        body,
      });
      expect(await expectProblem(response, 403, 'WHIZBANG_FORBIDDEN')).toMatchObject({
        permission: `orders:${action}`,
      });
    }
    expect(await service.head()).toBe(before);
  });

  it("lets an admin do all of it: any customer's things, the back office's work", async () => {
    const admin = ada.admin;
    const ok = async (request: Call, status = 200) => {
      const response = await send({ ...request, token: admin });
      const text = await response.text();
      expect({ request: `${request.method} ${request.path}`, status: response.status, text }).toMatchObject({
        status,
      });
      return text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    // Every order of the tenant, both customers'.
    const all = (await ok({ method: 'GET', path: '/orders?limit=100' })) as { orders: { orderId: string }[] };
    expect(all.orders.map((o) => o.orderId)).toEqual(expect.arrayContaining([ada.orderId, grace.orderId]));
    await ok({ method: 'GET', path: `/orders/${grace.orderId}` });
    await ok({ method: 'GET', path: `/customers/${grace.customerId}` });
    await ok({ method: 'GET', path: `/customers/${grace.customerId}/orders` });
    await ok({ method: 'GET', path: `/products/${ada.productId}/sales` });
    await ok({ method: 'GET', path: `/journeys/${ada.orderId}` });
    // Registers, stocks, and takes an order for a customer.
    const linus = `c-${randomUUID()}`;
    const lamp = `p-${randomUUID()}`;
    await ok(
      {
        method: 'POST',
        path: '/customers',
        body: { customerId: linus, name: 'Linus', creditLimitCents: 100_00 },
      },
      201,
    );
    await ok(
      {
        method: 'POST',
        path: '/products',
        body: { productId: lamp, name: 'Lamp', priceCents: 10_00, stock: 1 },
      },
      201,
    );
    await ok({ method: 'POST', path: `/products/${lamp}/stock`, body: { quantity: 4 } });
    const [first, second] = [randomUUID(), randomUUID()];
    for (const orderId of [first, second])
      await ok(
        {
          method: 'POST',
          path: '/orders',
          body: { orderId, customerId: linus, items: [{ productId: lamp, quantity: 1 }] },
        },
        201,
      );
    // Moves one along to delivered, cancels the other.
    await ok({ method: 'POST', path: `/orders/${first}/confirm`, body: {} });
    await ok({ method: 'POST', path: `/orders/${first}/ship`, body: { trackingNumber: '1Z-ADMIN' } });
    await ok({ method: 'POST', path: `/orders/${first}/deliver`, body: {} });
    await ok({ method: 'POST', path: `/orders/${second}/cancel`, body: { reason: 'out of lamps' } });
    expect(await ok({ method: 'GET', path: `/orders/${first}` })).toMatchObject({ status: 'delivered' });
    expect(await ok({ method: 'GET', path: `/orders/${second}` })).toMatchObject({ status: 'cancelled' });
  });
});
