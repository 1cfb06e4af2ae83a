/**
 * The orders service over HTTP: `npm run start:http -w @whizbang/example-orders`. Configured by
 * the environment: ORDERS_JWT_SECRET (required, at least 32 bytes), ORDERS_JWT_ISSUER,
 * ORDERS_JWT_AUDIENCE, PORT (default 3000), ORDERS_DB (default data/orders-http.db, kept between
 * runs), LOG_LEVEL (default info), ORDERS_JOURNEY_SAMPLE_RATE (the share of journeys recorded,
 * default 1), the fulfillment saga's times and the payment service's failures
 * (ORDERS_PAY_WITHIN_MS, ORDERS_SHIP_WITHIN_MS, PAYMENTS_DECLINE_ABOVE_CENTS,
 * PAYMENTS_FAILURE_RATE, PAYMENTS_DELAY_MS; see the README), and OpenTelemetry's own:
 * OTEL_EXPORTER_OTLP_ENDPOINT turns on trace and metric export (to Jaeger, a collector). Serves
 * /metrics for Prometheus. Stops cleanly on SIGINT and SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sqliteStore } from '@whizbang/sqlite';
import { fulfillmentOptionsFromEnv } from '../app/fulfillment-env.js';
import { paymentOptionsFromEnv } from '../payments/payment-env.js';
import { setupOrdersObservability } from './observability.js';
import { startOrdersHttp } from './server.js';

const secret = process.env['ORDERS_JWT_SECRET'];
if (secret === undefined || Buffer.byteLength(secret) < 32) {
  console.error(
    'Set ORDERS_JWT_SECRET to the HS256 secret shared with your identity provider (32 bytes or more).',
  );
  process.exit(1);
}
const journeySampleRate = Number(process.env['ORDERS_JOURNEY_SAMPLE_RATE'] || 1);
if (!(journeySampleRate >= 0 && journeySampleRate <= 1)) {
  console.error('Set ORDERS_JOURNEY_SAMPLE_RATE to the share of journeys to record, from 0 to 1.');
  process.exit(1);
}
// Before the app is made: it makes its tracer and instruments from what is registered then.
const observability = setupOrdersObservability({ journeySampleRate });
const path = resolve(process.env['ORDERS_DB'] ?? 'data/orders-http.db');
mkdirSync(dirname(path), { recursive: true });
const store = sqliteStore({ path });
const http = await startOrdersHttp({
  store,
  port: Number(process.env['PORT'] ?? 3000),
  jwt: {
    secret,
    issuer: process.env['ORDERS_JWT_ISSUER'] ?? 'https://id.orders.example/',
    audience: process.env['ORDERS_JWT_AUDIENCE'] ?? 'orders',
  },
  // Payment confirms orders, through the fulfillment saga and the simulated payment service.
  fulfillment: fulfillmentOptionsFromEnv(process.env),
  payments: paymentOptionsFromEnv(process.env),
  ...observability.service,
});
console.log(
  `Orders listening on ${http.url} (events in ${path}); try GET ${http.url}/openapi.json and ${http.url}/metrics`,
);

const stop = async () => {
  await http.close();
  // After the app: its last spans and metrics are exported on the way out.
  await observability.shutdown();
  await store.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
