/**
 * The payment service moved out of the orders process by configuration alone: the same
 * handlers and saga, in apps of their own, a broker between them (in memory here; RabbitMQ or
 * NATS are a transport away). The orders service itself runs as two nodes on one store, as the
 * topology runs it: an API node (handlers, no daemon, no consumers) and a daemon node
 * (projections, the saga, the consumers). ChargePayment and CancelPayment are routed to
 * `payments`; its outcomes come back as published events the saga hears through its subscription.
 */
import {
  isValidationError,
  MemoryBroker,
  memoryStore,
  memoryTransport,
  type WhizbangApp,
} from '@whizbang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from '../domain/ids.js';
import { paymentStream } from '../payments/payment-messages.js';
import { createPaymentsApp } from '../payments/payments-app.js';
import { createTenantOrdersApp } from './create-app.js';
import { adminPrincipal, customerPrincipal } from './roles.js';
import { fulfillment } from './fulfillment.js';
import {
  AddProduct,
  CancelOrder,
  GetOrder,
  GetProduct,
  GetProductSales,
  PlaceOrder,
  RegisterCustomer,
} from './index.js';

const tenant = { tenantId: 'acme' };
const ada = CustomerId.from('ada');
const mug = ProductId.from('mug');
const backOffice = { principal: adminPrincipal('back-office') };
const broker = new MemoryBroker();
const transports = {
  payments: memoryTransport({ broker }),
  api: memoryTransport({ broker }),
  daemon: memoryTransport({ broker }),
};
const ordersStore = memoryStore();
let payments: WhizbangApp;
let api: WhizbangApp;
let daemon: WhizbangApp;

beforeAll(async () => {
  payments = createPaymentsApp({
    store: memoryStore(),
    messaging: { transport: transports.payments },
    gateway: { declineAboveCents: 30_00 },
  });
  api = createTenantOrdersApp({
    store: ordersStore,
    fulfillment: {},
    messaging: { transport: transports.api, runConsumers: false },
    daemon: false,
  });
  daemon = createTenantOrdersApp({
    store: ordersStore,
    fulfillment: {},
    messaging: { transport: transports.daemon },
  });
  await api.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents: 100_00 }), {
    ...tenant,
    ...backOffice,
  });
  await api.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }), {
    ...tenant,
    ...backOffice,
  });
  for (const app of [payments, api, daemon]) await app.start();
});
afterAll(async () => {
  for (const app of [daemon, api, payments]) await app?.stop();
  for (const transport of Object.values(transports)) await transport.close();
});

async function place(quantity: number): Promise<OrderId> {
  const orderId = OrderId();
  // As Ada: the saga's commands carry her principal, over the broker too.
  await api.send(PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity }] }), {
    ...tenant,
    principal: customerPrincipal(ada),
  });
  return orderId;
}
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let waited = 0; waited < 5_000; waited += 10) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return read();
}
const untilStatus = (orderId: OrderId, status: string) =>
  until(
    () => api.query(GetOrder({ orderId }), { ...tenant, ...backOffice }),
    (order) => order?.status === status,
  );
const paymentHistory = async (orderId: OrderId) =>
  (await payments.store.events.readStream(paymentStream(orderId), tenant)).events.map((event) => event.type);

describe('fulfillment with the payment service in another app', () => {
  it('runs on the nodes their roles give them: no daemon on the API node, every part on the daemon node', () => {
    expect(api.daemon).toBeUndefined();
    expect(api.relay).toBeDefined();
    expect(daemon.daemon).toBeDefined();
    expect(api.messaging?.subscriptions).toEqual(daemon.messaging?.subscriptions);
    expect(daemon.messaging?.subscriptions).toEqual([
      { destination: 'orders.commands', group: 'orders' },
      { destination: 'payments.events', group: 'orders' },
    ]);
    expect(daemon.messaging?.destinationOf('command', 'ChargePayment')).toBe('payments.commands');
    expect(daemon.messaging?.destinationOf('command', 'ConfirmPaidOrder')).toBeUndefined();
  });

  it('confirms a paid order, and abandons a declined one, giving its stock back', async () => {
    const paid = await place(2); // 24.00
    const declined = await place(3); // 36.00: over the 30.00 limit
    expect(await untilStatus(paid, 'confirmed')).toMatchObject({ status: 'confirmed' });
    expect(await untilStatus(declined, 'cancelled')).toMatchObject({
      cancelReason: "payment declined: 36.00 is over the card's 30.00 limit",
    });
    expect((await api.query(GetProduct({ productId: mug }), { ...tenant, ...backOffice }))?.stock).toBe(8);
    expect(await paymentHistory(paid)).toEqual(['PaymentCharged']);
    // The payments app keeps its own log: none of it is in the orders store.
    expect((await ordersStore.events.readStream(paymentStream(paid), tenant)).events).toEqual([]);
    // The daemon node builds the async read model the API node serves.
    expect(
      await until(
        () => api.query(GetProductSales({ productId: mug }), { ...tenant, ...backOffice }),
        (sales) => sales?.orders === 2,
      ),
    ).toMatchObject({ orders: 2, unitsOrdered: 5 });
  });

  it('refunds, in the payments app, an order the back office cancels after paying', async () => {
    const orderId = await place(1);
    await untilStatus(orderId, 'confirmed');
    await api.send(CancelOrder({ orderId, reason: 'changed my mind' }), { ...tenant, ...backOffice });
    expect(
      await until(
        () => paymentHistory(orderId),
        (history) => history.length === 2,
      ),
    ).toEqual(['PaymentCharged', 'PaymentRefunded']);
    expect(await daemon.sagaInstance(fulfillment(), orderId, tenant)).toMatchObject({
      status: 'compensated',
      failure: { reason: 'changed my mind' },
    });
  });

  it('refuses to run the payment service in process when its commands are routed away', () => {
    expect(() =>
      createTenantOrdersApp({
        store: memoryStore(),
        fulfillment: {},
        messaging: { transport: transports.api },
        payments: { declineAboveCents: 10_00 },
      }),
    ).toThrow(expect.toSatisfy(isValidationError));
  });
});
