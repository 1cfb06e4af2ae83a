/**
 * The fulfillment saga in a running app on SQLite, with the payment service in the same
 * process: each failure the payment service can be made to have, and what the order, its
 * stock, the customer's credit and the payment end with.
 */
import { sqliteStore } from '@whizbang/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store, WhizbangApp } from '@whizbang/core';
import { OrderId } from '../domain/ids.js';
import { gatewayAnswers } from '../payments/gateway-answers.js';
import { paymentStream } from '../payments/payment-messages.js';
import type { PaymentServiceOptions } from '../payments/payment-service.js';
import { createOrdersApp, createTenantOrdersApp } from './create-app.js';
import { fulfillment, type FulfillmentOptions } from './fulfillment.js';
import { GetCustomer, GetOrder, GetProduct, PlaceOrder, ShipOrder } from './index.js';
import { ada, asAda, backOffice, mug, stockShop } from './test-support/shop.js';

// Ada places her orders herself (`asAda`): what the saga sends on (payment, confirmation,
// abandoning) carries her principal, which may not confirm or cancel an order by hand.

let running: { app: WhizbangApp; store: Store } | undefined;
afterEach(async () => {
  await running?.app.stop();
  await running?.store.close();
  running = undefined;
});

/** An app with Ada (100.00 of credit), 10 mugs at 12.00 and a kettle, started. */
async function startOrders(fulfillmentOptions: FulfillmentOptions, payments: PaymentServiceOptions) {
  const store = sqliteStore({ path: ':memory:' });
  const app = createOrdersApp({ store, fulfillment: fulfillmentOptions, payments });
  running = { app, store };
  await stockShop(app);
  await app.start();
  const orderId = OrderId();
  await app.send(PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity: 3 }] }), asAda);
  return { app, store, orderId };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let waited = 0; ; waited += 10) {
    const value = await read();
    if (done(value) || waited > 5_000) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const orderOf = (app: WhizbangApp, orderId: OrderId) => app.query(GetOrder({ orderId }), backOffice);
const statusBecomes = (app: WhizbangApp, orderId: OrderId, status: string) =>
  eventually(
    () => orderOf(app, orderId),
    (order) => order?.status === status,
  );
/** What the order holds of the stock and credit: mugs left of 10, Ada's credit reserved. */
const holdings = async (app: WhizbangApp) => ({
  mugsInStock: (await app.query(GetProduct({ productId: mug }), backOffice))?.stock,
  creditReserved: (await app.query(GetCustomer({ customerId: ada }), backOffice))?.reservedCents,
});
const paymentEvents = async (store: Store, orderId: OrderId) =>
  (await store.events.readStream(paymentStream(orderId))).events.map((event) => event.type);
const sagaOf = (app: WhizbangApp, orderId: OrderId) => app.sagaInstance(fulfillment(), orderId);

describe('fulfillment on SQLite: the payment goes through', () => {
  it('charges, confirms and, once shipped, completes, riding out two gateway failures', async () => {
    const chances = [0.1, 0.2]; // the first two calls fail, every later one gets through
    const { app, store, orderId } = await startOrders(
      { payWithinMs: 5_000 },
      { failureRate: 0.5, random: () => chances.shift() ?? 0.9 },
    );
    expect(await statusBecomes(app, orderId, 'confirmed')).toMatchObject({ status: 'confirmed' });
    expect(chances).toEqual([]);
    expect(await paymentEvents(store, orderId)).toEqual(['PaymentCharged']);

    await app.send(ShipOrder({ orderId, trackingNumber: '1Z-0001' }), backOffice);
    const saga = await eventually(
      () => sagaOf(app, orderId),
      (instance) => instance?.status === 'completed',
    );
    expect(saga).toMatchObject({ status: 'completed', timeouts: {} });
    // Shipped orders keep what they reserved: 3 mugs and 36.00 of credit.
    expect(await holdings(app)).toEqual({ mugsInStock: 7, creditReserved: 36_00 });
    expect(await app.store.deadLetters.list()).toEqual([]);
  });
});

describe('fulfillment on SQLite: compensation gives stock and credit back', () => {
  it('after a decline', async () => {
    const { app, store, orderId } = await startOrders({}, { declineAboveCents: 30_00 });
    expect(await statusBecomes(app, orderId, 'cancelled')).toMatchObject({
      cancelReason: "payment declined: 36.00 is over the card's 30.00 limit",
    });
    expect(await holdings(app)).toEqual({ mugsInStock: 10, creditReserved: 0 });
    const saga = await eventually(
      () => sagaOf(app, orderId),
      (instance) => instance?.status === 'compensated',
    );
    expect(saga?.failure?.reason).toMatch(/^payment declined/);
    expect(await paymentEvents(store, orderId)).toEqual(['PaymentDeclined']);
  });

  it('after the payment timed out, and the late answer charges nothing', async () => {
    // The gateway answers after 800 ms; the saga waits 50.
    const { app, store, orderId } = await startOrders({ payWithinMs: 50 }, { delayMs: 800 });
    expect(await statusBecomes(app, orderId, 'cancelled')).toMatchObject({
      cancelReason: 'not paid within 50 ms',
    });
    expect(await holdings(app)).toEqual({ mugsInStock: 10, creditReserved: 0 });
    // The answer falls due after the cancellation: the payment was voided, so nothing is charged.
    await eventually(
      () => app.sagaInstance(gatewayAnswers(0), orderId),
      (instance) => instance?.status === 'completed',
    );
    const settled = await eventually(
      () => app.store.outbox.backlog(),
      (backlog) => backlog.due + backlog.scheduled === 0,
    );
    expect(settled).toMatchObject({ due: 0, scheduled: 0 });
    expect(await paymentEvents(store, orderId)).toEqual(['PaymentRequested', 'PaymentVoided']);
  });

  it('after the gateway failed every attempt', async () => {
    const { app, orderId } = await startOrders({ payWithinMs: 100 }, { failureRate: 1 });
    expect(await statusBecomes(app, orderId, 'cancelled')).toMatchObject({
      cancelReason: 'not paid within 100 ms',
    });
    expect(await holdings(app)).toEqual({ mugsInStock: 10, creditReserved: 0 });
  });

  it('after a paid order was not shipped in time, refunding the payment', async () => {
    const { app, store, orderId } = await startOrders({ shipWithinMs: 50 }, {});
    expect(await statusBecomes(app, orderId, 'cancelled')).toMatchObject({
      cancelReason: 'not shipped within 50 ms',
    });
    expect(await holdings(app)).toEqual({ mugsInStock: 10, creditReserved: 0 });
    expect(
      await eventually(
        () => paymentEvents(store, orderId),
        (events) => events.length === 2,
      ),
    ).toEqual(['PaymentCharged', 'PaymentRefunded']);
    const { events } = await store.events.readStream(`order-${orderId}`);
    expect(events.map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);
  });
});

describe('fulfillment on SQLite, per tenant, as the HTTP service runs it', () => {
  it("declines and gives back one tenant's stock, its commands all in that tenant", async () => {
    const store = sqliteStore({ path: ':memory:' });
    const app = createTenantOrdersApp({ store, fulfillment: {}, payments: { declineAboveCents: 30_00 } });
    running = { app, store };
    const acme = { tenantId: 'acme' };
    await stockShop(app, acme);
    await app.start();
    const [paid, declined] = [OrderId(), OrderId()];
    await app.send(PlaceOrder({ orderId: paid, customerId: ada, items: [{ productId: mug, quantity: 1 }] }), {
      ...acme,
      ...asAda,
    });
    await app.send(
      PlaceOrder({ orderId: declined, customerId: ada, items: [{ productId: mug, quantity: 3 }] }),
      { ...acme, ...asAda },
    );
    const statusIn = (orderId: OrderId, status: string) =>
      eventually(
        () => app.query(GetOrder({ orderId }), { ...acme, ...backOffice }),
        (order) => order?.status === status,
      );
    expect(await statusIn(paid, 'confirmed')).toMatchObject({ status: 'confirmed' });
    expect(await statusIn(declined, 'cancelled')).toMatchObject({ status: 'cancelled' });
    expect((await app.query(GetProduct({ productId: mug }), { ...acme, ...backOffice }))?.stock).toBe(9);
    expect(await store.events.readStream(paymentStream(paid), acme)).toMatchObject({ version: 1 });
  });
});
