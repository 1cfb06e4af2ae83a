/**
 * The scripted journey `npm run demo` runs: seed, place an order, confirm, ship, then two
 * commands the domain refuses, then an order nobody confirms, which the confirmation-deadline
 * saga expires; each step printed with its correlation id.
 */
import { uuidv7, type WhizbangApp } from '@whizbang/core';
import { CancelOrder } from '../app/cancel-order.js';
import { GetCustomer } from '../app/customers.js';
import { ConfirmOrder, ShipOrder } from '../app/order-lifecycle.js';
import { PlaceOrder } from '../app/place-order.js';
import { ListOrders } from '../app/order-summaries.js';
import { GetProductSales } from '../app/product-sales.js';
import { GetOrder } from '../app/get-order.js';
import { GetProduct } from '../app/products.js';
import { OrderId, orderStream } from '../domain/ids.js';
import { formatCents } from '../domain/money.js';
import { isRuleViolation } from '../domain/rule-violation.js';
import { demoCustomer, demoProducts, seedDemoData } from './demo-data.js';

export interface DemoOptions {
  readonly app: WhizbangApp;
  /** Where the store keeps its data, for the first line. */
  readonly where?: string;
  /** Where lines go (default `console.log`). */
  readonly log?: (line: string) => void;
  /** How long to wait for the unconfirmed order to expire (default 60 s). */
  readonly expiryWaitMs?: number;
}

/** What the journey ended with, for tests. */
export interface DemoOutcome {
  readonly orderId: OrderId;
  readonly refusals: readonly string[];
  /** The order left unconfirmed, which the saga expired. */
  readonly expiredOrderId: OrderId;
}

const short = (id: string) => id.slice(-8);

function banner(driver: string, where: string | undefined): string {
  return driver === 'memory'
    ? 'Whizbang orders example, on the IN-MEMORY store: nothing is kept when it exits.'
    : `Whizbang orders example, on the ${driver} store${where ? ` at ${where}` : ''}.`;
}

export async function runDemo({
  app,
  where,
  log = console.log,
  expiryWaitMs = 60_000,
}: DemoOptions): Promise<DemoOutcome> {
  log(banner(app.store.driver, where));
  const seeded = await seedDemoData(app);
  log(
    `Seeded ${demoCustomer.name} and 3 products (${seeded.created} created, ${seeded.existing} already there).`,
  );

  const refusals: string[] = [];
  let stepNumber = 0;
  /** Runs one step in its own journey, printing its outcome; a refusal by a domain rule is an outcome too. */
  async function step(label: string, run: (correlationId: string) => Promise<string>): Promise<void> {
    const correlationId = uuidv7();
    log(`${++stepNumber}. ${label}  (correlation …${short(correlationId)})`);
    try {
      log(`   ✓ ${await run(correlationId)}`);
    } catch (error) {
      if (!isRuleViolation(error)) throw error;
      refusals.push(error.code);
      log(`   ✗ refused, ${error.code}: ${error.message}`);
    }
  }

  const { beans, mug, kettle } = demoProducts;
  const orderId = OrderId();
  await step(`PlaceOrder 2 × ${beans.name}, 1 × ${mug.name}`, async (correlationId) => {
    const placed = await app.send(
      PlaceOrder({
        orderId,
        customerId: demoCustomer.customerId,
        items: [
          { productId: beans.productId, quantity: 2 },
          { productId: mug.productId, quantity: 1 },
        ],
      }),
      { correlationId },
    );
    return `order …${short(placed.orderId)}, total ${formatCents(placed.totalCents)}`;
  });
  await step('ConfirmOrder', async (correlationId) => {
    await app.send(ConfirmOrder({ orderId }), { correlationId });
    return 'confirmed';
  });
  await step('ShipOrder with tracking 1Z-DEMO-0001', async (correlationId) => {
    await app.send(ShipOrder({ orderId, trackingNumber: '1Z-DEMO-0001' }), { correlationId });
    return 'shipped';
  });
  await step('CancelOrder "changed my mind" (after shipping)', async (correlationId) => {
    await app.send(CancelOrder({ orderId, reason: 'changed my mind' }), { correlationId });
    return 'cancelled (this should not happen)';
  });
  await step(`PlaceOrder 3 × ${kettle.name} (2 in stock)`, async (correlationId) => {
    await app.send(
      PlaceOrder({
        orderId: OrderId(),
        customerId: demoCustomer.customerId,
        items: [{ productId: kettle.productId, quantity: 3 }],
      }),
      { correlationId },
    );
    return 'placed (this should not happen)';
  });

  const expiredOrderId = OrderId();
  await step(`PlaceOrder 1 × ${kettle.name}, never confirmed`, async (correlationId) => {
    await app.send(
      PlaceOrder({
        orderId: expiredOrderId,
        customerId: demoCustomer.customerId,
        items: [{ productId: kettle.productId, quantity: 1 }],
      }),
      { correlationId },
    );
    return `order …${short(expiredOrderId)}: the confirmation-deadline saga starts its clock`;
  });
  // The saga's timeout waits in the outbox; when it falls due, ExpireOrder cancels the order.
  const since = Date.now();
  let expired = await app.query(GetOrder({ orderId: expiredOrderId }));
  while (expired?.status !== 'cancelled') {
    if (Date.now() - since > expiryWaitMs) throw new Error('the unconfirmed order did not expire in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expired = await app.query(GetOrder({ orderId: expiredOrderId }));
  }
  log(`   ⏱ deadline passed: order …${short(expiredOrderId)} cancelled (${expired.cancelReason}).`);

  const kettleNow = await app.query(GetProduct({ productId: kettle.productId }));
  const ada = await app.query(GetCustomer({ customerId: demoCustomer.customerId }));
  log(
    `Refusals wrote nothing, and the expired order gave back what it held: ${kettleNow?.stock ?? 0} kettles in stock, ${formatCents(ada?.availableCents ?? 0)} of Ada's credit available.`,
  );

  // The order list is inline (current at once); sales per product are built in the background.
  const listed = await app.query(ListOrders({ customerId: demoCustomer.customerId }));
  log(
    `Ada's orders: ${listed.orders.map((o) => `…${short(o.orderId)} ${o.status} ${formatCents(o.totalCents)}`).join(', ')}.`,
  );
  await app.waitForProjections();
  const sales = await app.query(GetProductSales({ productId: beans.productId }));
  log(`Sales of ${beans.name}: ${sales?.unitsOrdered ?? 0} ordered in ${sales?.orders ?? 0} order(s).`);

  // The events carry the correlation id of the command that caused them.
  const { events } = await app.store.events.readStream(orderStream(orderId));
  const traced = events.map((event) => `${event.type} (…${short(event.metadata.correlationId)})`);
  log(`Events of order …${short(orderId)}, with their commands' correlation ids: ${traced.join(', ')}.`);
  log('Done. Next: docs/getting-started.md, then examples/orders/src/app/place-order.ts.');
  return { orderId, refusals, expiredOrderId };
}
