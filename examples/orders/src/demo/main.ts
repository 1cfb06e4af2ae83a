/**
 * The scripted journey: `npm run demo` from the repository root. It runs on the embedded SQLite
 * store. The journey reserves stock and credit, so each run starts from a fresh file
 * (ORDERS_DEMO_DB, default data/demo.db: never the service's data/orders.db) to read the same
 * every time; the events stay in the file afterwards for inspection.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pinoLogger } from '@whizbang/otel';
import { sqliteStore } from '@whizbang/sqlite';
import { createOrdersApp } from '../app/create-app.js';
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
  // Short, so the demo shows the confirmation-deadline saga expire an order (the default is 30 min).
  confirmWithinMs: Number(process.env['ORDERS_CONFIRM_WITHIN_MS'] ?? 1_000),
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
