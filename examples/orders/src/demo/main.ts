/**
 * The scripted journey: `npm run demo` from the repository root. It runs on the embedded SQLite
 * store. The journey reserves stock and credit, so each run starts from a fresh file
 * (ORDERS_DEMO_DB, default data/demo.db: never the service's data/orders.db) to read the same
 * every time; the events stay in the file afterwards for inspection. Payments go through the
 * fulfillment saga; ORDERS_PAY_WITHIN_MS, ORDERS_SHIP_WITHIN_MS and PAYMENTS_DECLINE_ABOVE_CENTS,
 * PAYMENTS_FAILURE_RATE, PAYMENTS_DELAY_MS change its times and inject failures (see the README).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pinoLogger } from '@whizbang/otel';
import { sqliteStore } from '@whizbang/sqlite';
import { createOrdersApp } from '../app/create-app.js';
import { fulfillmentOptionsFromEnv } from '../app/fulfillment-env.js';
import { paymentOptionsFromEnv } from '../payments/payment-env.js';
import { demoPayments } from './demo-data.js';
import { runDemo } from './run-demo.js';

const path = resolve(process.env['ORDERS_DEMO_DB'] ?? 'data/demo.db');
mkdirSync(dirname(path), { recursive: true });
for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });

const store = sqliteStore({ path });
const app = createOrdersApp({
  store,
  // The journey on stdout is the output; the log, on stderr, only says what went wrong (a
  // handler over its budget, say) unless LOG_LEVEL asks for more.
  logger: pinoLogger({
    serviceName: 'orders',
    level: process.env['LOG_LEVEL'] || 'warn',
    destination: process.stderr,
  }),
  // Payment confirms orders. Shipping within 1 s (the default is 2 days), so the demo shows the
  // fulfillment saga abandon an order nobody ships; the payment service declines over 150.00.
  fulfillment: fulfillmentOptionsFromEnv(process.env, { shipWithinMs: 1_000 }),
  payments: paymentOptionsFromEnv(process.env, demoPayments),
  // The shipping-notices reactor's side effect: here, a line on the console.
  notify: (notice) =>
    console.log(
      `   ✉ shipping notice: order …${notice.orderId.slice(-8)}, tracking ${notice.trackingNumber}`,
    ),
});
try {
  await app.start();
  await runDemo({ app, where: path });
} catch (error) {
  console.error('The demo failed:', error);
  process.exitCode = 1;
} finally {
  await app.stop();
  await store.close();
}
