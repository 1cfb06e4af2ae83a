/**
 * The payment service moved out of the orders process by configuration alone: the same
 * handlers and saga, two apps, a broker between them (in memory here; RabbitMQ or NATS are a
 * transport away). ChargePayment and CancelPayment are routed to `payments`; its outcomes come
 * back as published events the fulfillment saga hears through its subscription.
 */
import { MemoryBroker, memoryStore, memoryTransport, whizbang, type WhizbangApp } from '@whizbang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from '../domain/ids.js';
import { PAYMENT_OUTCOMES, paymentStream } from '../payments/payment-messages.js';
import { paymentService } from '../payments/payment-service.js';
import { ordersHandlers } from './create-app.js';
import { fulfillment } from './fulfillment.js';
import { AddProduct, CancelOrder, GetOrder, GetProduct, PlaceOrder, RegisterCustomer } from './index.js';

const ada = CustomerId.from('ada');
const mug = ProductId.from('mug');
const broker = new MemoryBroker();
const transports = [memoryTransport({ broker }), memoryTransport({ broker })] as const;
let payments: WhizbangApp;
let orders: WhizbangApp;

beforeAll(async () => {
  payments = whizbang({
    store: memoryStore(),
    messaging: { transport: transports[0], service: 'payments', publishedEvents: PAYMENT_OUTCOMES },
    ...paymentService({ declineAboveCents: 30_00 }),
  });
  orders = whizbang({
    store: memoryStore(),
    handlers: ordersHandlers,
    sagas: [fulfillment()],
    messaging: {
      transport: transports[1],
      service: 'orders',
      commandRoutes: { ChargePayment: 'payments', CancelPayment: 'payments' },
      subscribeTo: ['payments'],
    },
  });
  await orders.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents: 100_00 }));
  await orders.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }));
  await payments.start();
  await orders.start();
});
afterAll(async () => {
  await orders?.stop();
  await payments?.stop();
  for (const transport of transports) await transport.close();
});

async function place(quantity: number): Promise<OrderId> {
  const orderId = OrderId();
  await orders.send(PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity }] }));
  return orderId;
}
async function untilStatus(orderId: OrderId, status: string) {
  for (let waited = 0; waited < 5_000; waited += 10) {
    const order = await orders.query(GetOrder({ orderId }));
    if (order?.status === status) return order;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return orders.query(GetOrder({ orderId }));
}
const paymentHistory = async (orderId: OrderId) =>
  (await payments.store.events.readStream(paymentStream(orderId))).events.map((event) => event.type);

describe('fulfillment with the payment service in another app', () => {
  it('confirms a paid order, and abandons a declined one, giving its stock back', async () => {
    const paid = await place(2); // 24.00
    const declined = await place(3); // 36.00: over the 30.00 limit
    expect(await untilStatus(paid, 'confirmed')).toMatchObject({ status: 'confirmed' });
    expect(await untilStatus(declined, 'cancelled')).toMatchObject({
      cancelReason: "payment declined: 36.00 is over the card's 30.00 limit",
    });
    expect((await orders.query(GetProduct({ productId: mug })))?.stock).toBe(8);
    expect(await paymentHistory(paid)).toEqual(['PaymentCharged']);
    // The payments app keeps its own log: none of it is in the orders store.
    expect((await orders.store.events.readStream(paymentStream(paid))).events).toEqual([]);
  });

  it('refunds, in the payments app, an order the customer cancels after paying', async () => {
    const orderId = await place(1);
    await untilStatus(orderId, 'confirmed');
    await orders.send(CancelOrder({ orderId, reason: 'changed my mind' }));
    for (let waited = 0; (await paymentHistory(orderId)).length < 2 && waited < 5_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await paymentHistory(orderId)).toEqual(['PaymentCharged', 'PaymentRefunded']);
    expect(await orders.sagaInstance(fulfillment(), orderId)).toMatchObject({
      status: 'compensated',
      failure: { reason: 'changed my mind' },
    });
  });
});
