/**
 * The scripted journey `npm run demo` runs: seed, place an order, which the fulfillment saga has
 * paid and confirmed, ship it, then two commands the domain refuses, then an order the payment
 * service declines and one nobody ships in time, both cancelled with their stock and credit
 * given back; each step printed with its correlation id. Each step is sent as whoever would
 * send it: Ada orders and reads as herself (a customer), the warehouse ships and the back
 * office cancels and reads the sales figures (admins).
 */
import { uuidv7, type WhizbangApp } from '@whizbang/core';
import { CancelOrder } from '../app/cancel-order.js';
import { ListCustomerOrders } from '../app/customer-orders.js';
import { GetCustomer } from '../app/customers.js';
import { ShipOrder } from '../app/order-lifecycle.js';
import { PlaceOrder } from '../app/place-order.js';
import { GetProductSales } from '../app/product-sales.js';
import { GetOrder, type OrderView } from '../app/get-order.js';
import { GetProduct } from '../app/products.js';
import { adminPrincipal, customerPrincipal } from '../app/roles.js';
import { OrderId, orderStream } from '../domain/ids.js';
import { formatCents } from '../domain/money.js';
import { isRuleViolation } from '../domain/rule-violation.js';
import { demoCustomer, demoProducts, seedDemoData } from './demo-data.js';

export interface DemoOptions {
  /** An orders app with `fulfillment` on, and the payment service declining over 150.00. */
  readonly app: WhizbangApp;
  /** Where the store keeps its data, for the first line. */
  readonly where?: string;
  /** Where lines go (default `console.log`). */
  readonly log?: (line: string) => void;
  /** How long to wait for the saga to settle an order (default 60 s). */
  readonly waitMs?: number;
}

/** What the journey ended with, for tests. */
export interface DemoOutcome {
  readonly orderId: OrderId;
  readonly refusals: readonly string[];
  /** The order the payment service declined. */
  readonly declinedOrderId: OrderId;
  /** The order paid for but not shipped in time. */
  readonly unshippedOrderId: OrderId;
}

const short = (id: string) => id.slice(-8);
const ada = { principal: customerPrincipal(demoCustomer.customerId) };
const warehouse = { principal: adminPrincipal('warehouse') };
const backOffice = { principal: adminPrincipal('back-office') };
type PlaceOrderItems = Parameters<typeof PlaceOrder>[0]['items'];

function banner(driver: string, where: string | undefined): string {
  return driver === 'memory'
    ? 'Whizbang orders example, on the IN-MEMORY store: nothing is kept when it exits.'
    : `Whizbang orders example, on the ${driver} store${where ? ` at ${where}` : ''}.`;
}

/** What became of an order: paid and confirmed, or cancelled and why. */
const outcomeOf = (order: OrderView) =>
  order.status === 'cancelled' ? `cancelled (${order.cancelReason})` : `paid, and ${order.status}`;

export async function runDemo({
  app,
  where,
  log = console.log,
  waitMs = 60_000,
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
  /** The order once the saga has moved it on from `from` (the payment came, or did not). */
  async function until(orderId: OrderId, from: OrderView['status']): Promise<OrderView> {
    const since = Date.now();
    for (;;) {
      const order = await app.query(GetOrder({ orderId }), ada);
      if (order !== null && order.status !== from) return order;
      if (Date.now() - since > waitMs) throw new Error(`order ${orderId} stayed ${from} too long`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  /** Places an order of `items` for the demo customer and waits for its payment's outcome. */
  async function placeAndPay(orderId: OrderId, items: PlaceOrderItems, correlationId: string) {
    const placed = await app.send(PlaceOrder({ orderId, customerId: demoCustomer.customerId, items }), {
      ...ada,
      correlationId,
    });
    const order = await until(orderId, 'pending');
    return `order …${short(orderId)}, total ${formatCents(placed.totalCents)}: ${outcomeOf(order)}`;
  }

  const { beans, mug, kettle } = demoProducts;
  const orderId = OrderId();
  await step(`PlaceOrder 2 × ${beans.name}, 1 × ${mug.name}`, (correlationId) =>
    placeAndPay(
      orderId,
      [
        { productId: beans.productId, quantity: 2 },
        { productId: mug.productId, quantity: 1 },
      ],
      correlationId,
    ),
  );
  await step('ShipOrder with tracking 1Z-DEMO-0001, by the warehouse', async (correlationId) => {
    await app.send(ShipOrder({ orderId, trackingNumber: '1Z-DEMO-0001' }), { ...warehouse, correlationId });
    return 'shipped: the fulfillment saga is done';
  });
  await step('CancelOrder "changed my mind", by the back office (after shipping)', async (correlationId) => {
    await app.send(CancelOrder({ orderId, reason: 'changed my mind' }), { ...backOffice, correlationId });
    return 'cancelled (this should not happen)';
  });
  await step(`PlaceOrder 3 × ${kettle.name} (2 in stock)`, async (correlationId) => {
    await app.send(
      PlaceOrder({
        orderId: OrderId(),
        customerId: demoCustomer.customerId,
        items: [{ productId: kettle.productId, quantity: 3 }],
      }),
      { ...ada, correlationId },
    );
    return 'placed (this should not happen)';
  });
  const declinedOrderId = OrderId();
  await step(`PlaceOrder 1 × ${kettle.name}, 4 × ${beans.name} (over the card's limit)`, (correlationId) =>
    placeAndPay(
      declinedOrderId,
      [
        { productId: kettle.productId, quantity: 1 },
        { productId: beans.productId, quantity: 4 },
      ],
      correlationId,
    ),
  );

  const unshippedOrderId = OrderId();
  await step(`PlaceOrder 1 × ${kettle.name}, never shipped`, (correlationId) =>
    placeAndPay(unshippedOrderId, [{ productId: kettle.productId, quantity: 1 }], correlationId),
  );
  // The saga's shipping timeout waits in the outbox; when it falls due, AbandonOrder cancels the order.
  const unshipped = await until(unshippedOrderId, 'confirmed');
  log(`   ⏱ order …${short(unshippedOrderId)} ${outcomeOf(unshipped)}; the saga undoes its payment.`);

  const kettleNow = await app.query(GetProduct({ productId: kettle.productId }), ada);
  const credit = await app.query(GetCustomer({ customerId: demoCustomer.customerId }), ada);
  log(
    `Refusals wrote nothing, and the cancelled orders gave back what they held: ${kettleNow?.stock ?? 0} kettles in stock, ${formatCents(credit?.availableCents ?? 0)} of Ada's credit available.`,
  );

  // The order list is inline (current at once); sales per product are built in the background.
  const listed = await app.query(ListCustomerOrders({ customerId: demoCustomer.customerId }), ada);
  log(
    `Ada's orders: ${(listed?.orders ?? []).map((o) => `…${short(o.orderId)} ${o.status} ${formatCents(o.totalCents)}`).join(', ')}.`,
  );
  await app.waitForProjections();
  const sales = await app.query(GetProductSales({ productId: beans.productId }), backOffice);
  log(`Sales of ${beans.name}: ${sales?.unitsOrdered ?? 0} ordered in ${sales?.orders ?? 0} order(s).`);

  // The events carry the correlation id of the command that caused them.
  const { events } = await app.store.events.readStream(orderStream(orderId));
  const traced = events.map((event) => `${event.type} (…${short(event.metadata.correlationId)})`);
  log(`Events of order …${short(orderId)}, with their commands' correlation ids: ${traced.join(', ')}.`);
  log('Done. Next: docs/getting-started.md, then examples/orders/src/app/fulfillment.ts.');
  return { orderId, refusals, declinedOrderId, unshippedOrderId };
}
