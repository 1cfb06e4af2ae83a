/**
 * The orders service's rules over HTTP, the same on every way it runs: `npm start` on SQLite in
 * one process, and `npm run topology` on PostgreSQL with RabbitMQ (and NATS), where two API
 * nodes, two daemon nodes and the payment service are separate processes. Orders are placed on
 * the first API node and read from the last, so what one node writes the other serves.
 *
 * An order placed is paid by the payment service (its own process and store in the topology),
 * which confirms it; it ships and is delivered; the list, the customer's orders and the product's
 * sales (built by a daemon node) follow. A declined payment cancels the order and gives its stock
 * and credit back. An admin cancels a paid order: stock and credit back, the payment refunded.
 * Neither another tenant's customer nor another customer of the same tenant ever reads the
 * order or the customer's list: 404, as if they were not there. SIGTERM stops every process cleanly.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerView } from '../app/customers.js';
import type { OrderView } from '../app/get-order.js';
import type { OrderSummary } from '../app/order-summaries.js';
import type { ProductListing } from '../app/catalog.js';
import type { DailySales } from '../app/daily-sales.js';
import type { ProductSales } from '../app/product-sales.js';
import type { ProductView } from '../app/products.js';
import { adminToken, call, customerToken, expectProblem } from '../http/test-support/client.js';
import { curlRequest, exportedVariables, sendCurl } from '../http/test-support/shell-lines.js';
import { DECLINE_ABOVE_CENTS, deployments, type RunningDeployment } from './test-support/deployments.js';

const PRICE_CENTS = 25_00;
const STOCK = 10;
const CREDIT_CENTS = 500_00;

const built = fileURLToPath(new URL('../../dist/topology/main.js', import.meta.url));

describe.each(await deployments())('the orders rules over HTTP, $name', (deployment) => {
  let running: RunningDeployment;
  let place: string; // the first API node
  let read: string; // the last
  const ids = {
    customerId: `c-${randomUUID()}`,
    otherCustomerId: `c-${randomUUID()}`,
    productId: `p-${randomUUID()}`,
  };
  const tokens = { customer: '', admin: '', otherTenant: '', otherCustomer: '' };

  beforeAll(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -b; npm test does)`);
    running = await deployment.start();
    place = running.apiUrls.at(0) ?? '';
    read = running.apiUrls.at(-1) ?? '';
    [tokens.customer, tokens.admin, tokens.otherTenant, tokens.otherCustomer] = await Promise.all([
      customerToken('acme', ids.customerId),
      adminToken('acme'),
      customerToken('globex', 'linus'),
      customerToken('acme', ids.otherCustomerId),
    ]);
    const created = await Promise.all([
      ...[
        { customerId: ids.customerId, name: 'Ada' },
        { customerId: ids.otherCustomerId, name: 'Grace' },
      ].map((customer) =>
        call(place, {
          method: 'POST',
          path: '/customers',
          token: tokens.admin,
          body: { ...customer, creditLimitCents: CREDIT_CENTS },
        }),
      ),
      call(place, {
        method: 'POST',
        path: '/products',
        token: tokens.admin,
        body: { productId: ids.productId, name: 'Anvil', priceCents: PRICE_CENTS, stock: STOCK },
      }),
    ]);
    const statuses = created.map((response) => response.status);
    if (statuses.some((status) => status !== 201)) throw new Error(`Registering got ${statuses.join(', ')}`);
  }, 90_000);
  afterAll(async () => {
    await running?.cleanUp();
  }, 60_000);

  /** GET on the last API node, as `as`; the body, and the ETag to send back as If-Match. */
  async function get<T>(
    path: string,
    as = tokens.customer,
  ): Promise<{ status: number; body: T; etag: string }> {
    const response = await call(read, { method: 'GET', path, token: as });
    return {
      status: response.status,
      body: (await response.json()) as T,
      etag: response.headers.get('etag') ?? '',
    };
  }
  async function placeOrder(quantity: number): Promise<string> {
    const orderId = randomUUID();
    const response = await call(place, {
      method: 'POST',
      path: '/orders',
      token: tokens.customer,
      body: { orderId, customerId: ids.customerId, items: [{ productId: ids.productId, quantity }] },
    });
    expect({ status: response.status, body: await response.text() }).toMatchObject({ status: 201 });
    return orderId;
  }
  /** As an admin (the warehouse, the back office), on the first API node, at the order's version. */
  async function act(
    orderId: string,
    action: 'ship' | 'deliver' | 'cancel',
    body: object,
  ): Promise<Response> {
    const { etag } = await get<OrderView>(`/orders/${orderId}`);
    return call(place, {
      method: 'POST',
      path: `/orders/${orderId}/${action}`,
      token: tokens.admin,
      body,
      headers: { 'if-match': etag },
    });
  }
  /** Polls `read` until `done`; a timeout says what it waited for and what the service printed last. */
  async function until<T>(
    what: string,
    readValue: () => Promise<T>,
    done: (value: T) => boolean,
  ): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await readValue();
      if (done(value)) return value;
      if (Date.now() > deadline)
        throw new Error(
          `Waited 15 s for ${what}; last: ${JSON.stringify(value)}\n${running.lines.slice(-30).join('\n')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const order = (orderId: string) => get<OrderView>(`/orders/${orderId}`).then((r) => r.body);
  const untilStatus = (orderId: string, status: OrderView['status']) =>
    until(
      `order ${orderId} to be ${status}`,
      () => order(orderId),
      (o) => o.status === status,
    );
  const product = () => get<ProductView>(`/products/${ids.productId}`).then((r) => r.body);
  const customer = () => get<CustomerView>(`/customers/${ids.customerId}`).then((r) => r.body);

  it('pays and confirms an order through the payment service; it ships and is delivered; the read models follow', async () => {
    const orderId = await placeOrder(2); // 50.00
    await untilStatus(orderId, 'confirmed'); // nobody confirmed it: the payment did
    // Charged by the payment service; in the topology, in its own store, and the orders store has none of it.
    expect(await running.paymentEvents(orderId, 'acme')).toEqual(['PaymentCharged']);
    expect(await running.ordersStorePaymentEvents(orderId, 'acme')).toEqual(
      deployment.paymentsApart ? [] : ['PaymentCharged'],
    );
    expect((await act(orderId, 'ship', { trackingNumber: '1Z-TOPOLOGY' })).status).toBe(200);
    expect((await act(orderId, 'deliver', {})).status).toBe(200);
    expect(await order(orderId)).toMatchObject({ status: 'delivered', trackingNumber: '1Z-TOPOLOGY' });

    // The back office's list of every order, filtered; the customer's own list.
    const summaries = await get<{ orders: OrderSummary[] }>(
      `/orders?customerId=${ids.customerId}`,
      tokens.admin,
    );
    expect(summaries.body.orders).toContainEqual(
      expect.objectContaining({ orderId, status: 'delivered', totalCents: 2 * PRICE_CENTS, itemCount: 2 }),
    );
    const mine = await get<{ orders: OrderSummary[] }>(`/customers/${ids.customerId}/orders`);
    expect(mine.body.orders.map((o) => o.orderId)).toContain(orderId);
    // Built in the background, by a daemon node in the topology.
    expect(
      await until(
        'the product sales to count the order',
        () => get<ProductSales | null>(`/products/${ids.productId}/sales`, tokens.admin).then((r) => r.body),
        (sales) => (sales?.orders ?? 0) >= 1,
      ),
    ).toMatchObject({ productId: ids.productId, orders: 1, unitsOrdered: 2, orderedCents: 2 * PRICE_CENTS });
    // The catalogue, inline: the two units ordered are no longer available.
    const listed = await get<{ products: ProductListing[] }>('/products?limit=100');
    expect(listed.body.products).toContainEqual(
      expect.objectContaining({ productId: ids.productId, available: STOCK - 2, ordered: 2 }),
    );
    // Daily sales, a SQL table a daemon node keeps: today's row counts this order among the rest.
    const today = new Date().toISOString().slice(0, 10);
    const daily = await until(
      "today's sales to count a shipped order",
      () =>
        get<{ days: DailySales[] }>(`/sales/daily?from=${today}&to=${today}`, tokens.admin).then(
          (r) => r.body.days,
        ),
      (days) => (days.at(0)?.orders_shipped ?? 0) >= 1,
    );
    expect(daily.at(0)).toMatchObject({ day: today });
    expect(daily.at(0)?.orders_placed).toBeGreaterThanOrEqual(1);
    expect((await get<unknown>(`/sales/daily?from=${today}&to=${today}`)).status).toBe(403);
  });

  it('cancels an order whose payment is declined, and gives its stock and credit back', async () => {
    const [stockBefore, creditBefore] = [(await product()).stock, (await customer()).reservedCents];
    const orderId = await placeOrder(5); // 125.00: over the gateway's 100.00
    expect(5 * PRICE_CENTS).toBeGreaterThan(DECLINE_ABOVE_CENTS);
    expect(await untilStatus(orderId, 'cancelled')).toMatchObject({
      cancelReason: "payment declined: 125.00 is over the card's 100.00 limit",
    });
    expect((await product()).stock).toBe(stockBefore);
    expect((await customer()).reservedCents).toBe(creditBefore);
    expect(await running.paymentEvents(orderId, 'acme')).toEqual(['PaymentDeclined']);
  });

  it('lets an admin cancel a paid order: stock and credit back, the payment refunded', async () => {
    const [stockBefore, creditBefore] = [(await product()).stock, (await customer()).reservedCents];
    const orderId = await placeOrder(1);
    await untilStatus(orderId, 'confirmed');
    expect((await product()).stock).toBe(stockBefore - 1);
    const cancelled = await act(orderId, 'cancel', { reason: 'out of anvils' });
    expect(cancelled.status).toBe(200);
    expect(await order(orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'out of anvils' });
    expect((await product()).stock).toBe(stockBefore);
    expect((await customer()).reservedCents).toBe(creditBefore);
    expect(
      await until(
        'the payment service to refund it',
        () => running.paymentEvents(orderId, 'acme'),
        (history) => history.length === 2,
      ),
    ).toEqual(['PaymentCharged', 'PaymentRefunded']);
  });

  it('refuses what the order rules forbid, changing nothing, with a problem naming the rule', async () => {
    const [stockBefore, creditBefore] = [(await product()).stock, (await customer()).reservedCents];
    const attempt = (items: unknown[], customerId = ids.customerId) =>
      call(place, {
        method: 'POST',
        path: '/orders',
        token: tokens.customer,
        body: { orderId: randomUUID(), customerId, items },
      });
    await expectProblem(await attempt([]), 409, 'ORDER_EMPTY');
    await expectProblem(await attempt([{ productId: ids.productId, quantity: 0 }]), 409, 'INVALID_QUANTITY');
    await expectProblem(
      await attempt([{ productId: ids.productId, quantity: STOCK + 1 }]),
      409,
      'INSUFFICIENT_STOCK',
    );
    await expectProblem(
      await attempt([{ productId: `p-${randomUUID()}`, quantity: 1 }]),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expect([(await product()).stock, (await customer()).reservedCents]).toEqual([stockBefore, creditBefore]);

    // A paid order: shipping needs a tracking number; once shipped, it can no longer be cancelled.
    const orderId = await placeOrder(1);
    await untilStatus(orderId, 'confirmed');
    await expectProblem(await act(orderId, 'ship', { trackingNumber: '' }), 409, 'TRACKING_NUMBER_REQUIRED');
    await expectProblem(await act(orderId, 'deliver', {}), 409, 'ORDER_NOT_SHIPPED');
    expect((await act(orderId, 'ship', { trackingNumber: '1Z-RULES' })).status).toBe(200);
    await expectProblem(await act(orderId, 'cancel', { reason: 'too late' }), 409, 'ORDER_ALREADY_SHIPPED');
    expect(await order(orderId)).toMatchObject({ status: 'shipped' });
  });

  it("never shows an order to another tenant's customer, nor to another customer of the tenant", async () => {
    const orderId = await placeOrder(1);
    for (const other of [tokens.otherTenant, tokens.otherCustomer]) {
      expect((await get(`/orders/${orderId}`, other)).status).toBe(404);
      expect((await get(`/customers/${ids.customerId}/orders`, other)).status).toBe(404);
    }
    expect((await get(`/orders/${orderId}`)).status).toBe(200);
    expect((await get(`/orders/${orderId}`, tokens.admin)).status).toBe(200);
  });

  it.runIf(deployment.name.startsWith('npm run topology'))(
    'prints tokens and curl lines that work across the nodes: placed on one, read on another',
    async () => {
      const variables = exportedVariables(running.lines);
      const curls = running.lines
        .filter((line) => line.startsWith('curl '))
        .map((line) => curlRequest(line, variables));
      expect(curls.map((c) => new URL(c.url).origin)).toEqual([place, read, read, read]);
      expect(place).not.toBe(read);
      const statuses: number[] = [];
      for (const curl of curls) statuses.push((await sendCurl(curl)).status); // in order: place, then read
      expect(statuses).toEqual([201, 200, 404, 200]);
    },
  );

  it.runIf(deployment.name.startsWith('npm run topology'))(
    'serves each daemon and payments node its own health and metrics',
    async () => {
      const management = new Map(
        running.lines.flatMap((line) => {
          const [, name, url] = /^(\S+) +\| +health: (http:\/\/\S+)\/health\/ready,/.exec(line) ?? [];
          return name !== undefined && url !== undefined ? [[name, url] as const] : [];
        }),
      );
      expect([...management.keys()].toSorted()).toEqual(['daemon-1', 'daemon-2', 'payments']);
      for (const url of management.values()) {
        const ready = await fetch(`${url}/health/ready`);
        expect({ url, status: ready.status }).toEqual({ url, status: 200 });
      }
      // A daemon node's page counts what its projections did; some node has projected by now.
      const pages = await Promise.all(
        [...management.entries()]
          .filter(([name]) => name.startsWith('daemon'))
          .map(async ([, url]) => (await fetch(`${url}/metrics`)).text()),
      );
      expect(pages.some((page) => /whizbang_projection_events_total\{[^}]*product-sales/.test(page))).toBe(
        true,
      );
    },
  );

  it('stops every process cleanly on SIGTERM', async () => {
    expect(await running.stop()).toBe(0);
    expect(running.lines.at(-1)).toBe('Stopped.');
    // In the topology, every node said so too, before the script did.
    const nodes = new Set(running.lines.flatMap((line) => /^(\S+) +\| /.exec(line)?.[1] ?? []));
    const stopped = new Set(running.lines.flatMap((line) => /^(\S+) +\| Stopped\.$/.exec(line)?.[1] ?? []));
    expect(stopped).toEqual(nodes);
  });
});
