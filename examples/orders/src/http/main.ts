/**
 * The orders service over HTTP: `npm run start:http -w @whizbang/example-orders`. Configured by
 * the environment: ORDERS_JWT_SECRET (required, at least 32 bytes), ORDERS_JWT_ISSUER,
 * ORDERS_JWT_AUDIENCE, PORT (default 3000), ORDERS_DB (default data/orders-http.db, kept between
 * runs). Stops cleanly on SIGINT and SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sqliteStore } from '@whizbang/sqlite';
import { startOrdersHttp } from './server.js';

const secret = process.env['ORDERS_JWT_SECRET'];
if (secret === undefined || Buffer.byteLength(secret) < 32) {
  console.error(
    'Set ORDERS_JWT_SECRET to the HS256 secret shared with your identity provider (32 bytes or more).',
  );
  process.exit(1);
}
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
});
console.log(`Orders listening on ${http.url} (events in ${path}); try GET ${http.url}/openapi.json`);

const stop = async () => {
  await http.close();
  await store.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
