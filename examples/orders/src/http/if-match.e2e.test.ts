/**
 * Optimistic concurrency at the edge, over real HTTP: the version a client read goes back in
 * `If-Match`; of two requests sent with the same one, exactly one wins and the other is 412
 * with the actual version, having written nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeBackends } from './test-support/backends.js';
import { adminToken, call, expectProblem } from './test-support/client.js';
import { freshIds, seedTenant, startService, type RunningService } from './test-support/service.js';

describe.each(await storeBackends())('If-Match on the orders API on $name', (backend) => {
  let service: RunningService;
  let acme: string; // the back office's: it confirms, ships, cancels and restocks
  beforeAll(async () => {
    service = await startService(backend);
    acme = await adminToken('acme');
  });
  afterAll(() => service?.close());

  const get = async (path: string) => {
    const response = await call(service.url, { method: 'GET', path, token: acme });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return { etag: response.headers.get('etag'), body: (await response.json()) as Record<string, any> };
  };
  const post = (path: string, body: unknown, ifMatch?: string) =>
    call(service.url, {
      method: 'POST',
      path,
      token: acme,
      body,
      ...(ifMatch !== undefined && { headers: { 'if-match': ifMatch } }),
    });

  /** Sends both at once; answers the winner and the loser. */
  async function race(send: () => Promise<Response>) {
    const answers = await Promise.all([send(), send()]);
    expect(answers.map((r) => r.status).toSorted((a, b) => a - b)).toEqual([200, 412]);
    return { winner: answers.find((r) => r.status === 200)!, loser: answers.find((r) => r.status === 412)! };
  }

  it('two cancels of the same order with the same If-Match: one wins, the other is 412 with the actual version', async () => {
    for (let round = 0; round < 5; round++) {
      const { orderId, customerId, productId } = await seedTenant(service.url, 'acme');
      const { etag } = await get(`/orders/${orderId}`);
      expect(etag).toBe('"1"');
      const head = await service.head();

      const { winner, loser } = await race(() =>
        post(`/orders/${orderId}/cancel`, { reason: 'changed my mind' }, etag!),
      );
      expect(winner.headers.get('etag')).toBe('"2"');
      expect(await winner.json()).toEqual({ version: 2 });
      expect(await expectProblem(loser, 412, 'WHIZBANG_CONCURRENCY')).toMatchObject({
        stream: `order-${orderId}`,
        expected: 1,
        actual: 2,
        tenantId: 'acme',
      });

      // The loser wrote nothing: one cancellation, stock and credit given back once.
      expect(await service.head()).toBe(head + 3n); // the order, the product, the customer
      expect((await get(`/orders/${orderId}`)).body).toMatchObject({ status: 'cancelled', version: 2 });
      expect((await get(`/products/${productId}`)).body).toMatchObject({ stock: 10 });
      expect((await get(`/customers/${customerId}`)).body).toMatchObject({ reservedCents: 0 });
    }
  });

  it('two confirmations with the same If-Match: one wins; a stale version is 412, a malformed one 400', async () => {
    const { orderId } = await seedTenant(service.url, 'acme');
    const { winner, loser } = await race(() => post(`/orders/${orderId}/confirm`, {}, '"1"'));
    expect(winner.headers.get('etag')).toBe('"2"');
    expect(await expectProblem(loser, 412, 'WHIZBANG_CONCURRENCY')).toMatchObject({ expected: 1, actual: 2 });

    const head = await service.head();
    await expectProblem(
      await post(`/orders/${orderId}/ship`, { trackingNumber: '1Z' }, '"1"'),
      412,
      'WHIZBANG_CONCURRENCY',
    );
    await expectProblem(
      await post(`/orders/${orderId}/ship`, { trackingNumber: '1Z' }, 'latest'),
      400,
      'WHIZBANG_VALIDATION',
    );
    // A version in the body is not a precondition: only If-Match sets it.
    await expectProblem(
      await post(`/orders/${orderId}/ship`, { trackingNumber: '1Z', expectedVersion: 1 }, '"9"'),
      412,
      'WHIZBANG_CONCURRENCY',
    );
    expect(await service.head()).toBe(head);

    const shipped = await post(`/orders/${orderId}/ship`, { trackingNumber: '1Z' }, '"2"');
    expect(shipped.status).toBe(200);
    expect(shipped.headers.get('etag')).toBe('"3"');
    const delivered = await post(`/orders/${orderId}/deliver`, {}, '"3"');
    expect(delivered.headers.get('etag')).toBe('"4"');
  });

  it('two restocks of the same product with the same If-Match: stock goes up once', async () => {
    const { productId } = await seedTenant(service.url, 'acme');
    const { etag, body } = await get(`/products/${productId}`);
    expect(body).toMatchObject({ stock: 8, version: 2 }); // added, then 2 reserved by the order
    const { winner, loser } = await race(() => post(`/products/${productId}/stock`, { quantity: 5 }, etag!));
    expect(winner.headers.get('etag')).toBe('"3"');
    expect(await expectProblem(loser, 412, 'WHIZBANG_CONCURRENCY')).toMatchObject({ expected: 2, actual: 3 });
    expect((await get(`/products/${productId}`)).body).toMatchObject({ stock: 13, version: 3 });
  });

  it('without If-Match the order is taken at its current version, and ETags flow from every answer', async () => {
    const ids = freshIds();
    await seedTenant(service.url, 'acme', ids);
    const confirmed = await post(`/orders/${ids.orderId}/confirm`, {});
    expect([confirmed.status, confirmed.headers.get('etag')]).toEqual([200, '"2"']);
    const created = await call(service.url, {
      method: 'POST',
      path: '/orders',
      token: acme,
      body: {
        orderId: freshIds().orderId,
        customerId: ids.customerId,
        items: [{ productId: ids.productId, quantity: 1 }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toMatch(/^\/orders\/[0-9a-f-]{36}$/);
  });

  it('reads as a client would: GET the order, then cancel it at the version read', async () => {
    const { orderId } = await seedTenant(service.url, 'acme');
    const [url, accessToken] = [service.url, acme];
    // #region client
    const auth = { authorization: `Bearer ${accessToken}` }; // tenant_id: 'acme', roles: ['admin']
    const read = await fetch(`${url}/orders/${orderId}`, { headers: auth });
    const order = await read.json(); // { orderId, status: 'pending', items, version: 1, ... }
    const cancel = () =>
      fetch(`${url}/orders/${orderId}/cancel`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'if-match': read.headers.get('etag')! },
        body: JSON.stringify({ reason: 'changed my mind' }),
      });
    const [first, second] = await Promise.all([cancel(), cancel()]);
    // One is 200 with ETag "2"; the other 412: { code: 'WHIZBANG_CONCURRENCY', expected: 1, actual: 2 }
    // #endregion
    expect(order).toMatchObject({ orderId, status: 'pending', version: 1 });
    expect([first.status, second.status].toSorted((a, b) => a - b)).toEqual([200, 412]);
    const loser = first.status === 412 ? first : second;
    expect(await loser.json()).toMatchObject({ code: 'WHIZBANG_CONCURRENCY', expected: 1, actual: 2 });
    expect((first.status === 200 ? first : second).headers.get('etag')).toBe('"2"');
  });
});
