/**
 * The orders service: `npm start` from the repository root. One process on the embedded SQLite
 * file in the data directory, kept between runs. Without ORDERS_JWT_SECRET it runs as a demo: it
 * makes a development secret once (kept in the data directory), seeds two demo tenants
 * idempotently and prints a customer's and an admin's token for each, with a curl example.
 * Configured by the environment (service-config.ts, and the fulfillment saga's times and the
 * payment service's failures: ORDERS_PAY_WITHIN_MS, ORDERS_SHIP_WITHIN_MS,
 * PAYMENTS_DECLINE_ABOVE_CENTS, PAYMENTS_FAILURE_RATE, PAYMENTS_DELAY_MS; the example's README
 * lists the variables),
 * and OpenTelemetry's own: OTEL_EXPORTER_OTLP_ENDPOINT turns on trace and metric export. Serves
 * /metrics for Prometheus. Stops cleanly on SIGINT and SIGTERM; a second one stops at once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteStore } from '@whizbang/sqlite';
import { demoTenants, seedDemoTenants } from '../demo/demo-tenants.js';
import { OrderId } from '../domain/ids.js';
import { developmentSecret } from './development-secret.js';
import { fulfillmentOptionsFromEnv } from '../app/fulfillment-env.js';
import { paymentOptionsFromEnv } from '../payments/payment-env.js';
import { setupOrdersObservability } from './observability.js';
import type { OrdersJwtOptions } from './routes.js';
import { startOrdersHttp, type OrdersHttp } from './server.js';
import { serviceConfig, type ServiceConfig } from './service-config.js';
import { startBanner, type StartBannerInput, type TenantTokens } from './start-banner.js';
import { signToken } from './tokens.js';

const TOKEN_LIFETIME = '24h';

let config: ServiceConfig;
try {
  config = serviceConfig(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
mkdirSync(config.dataDir, { recursive: true });
mkdirSync(dirname(config.dbPath), { recursive: true });
const kept = config.jwtSecret === undefined ? developmentSecret(config.dataDir) : undefined;
const jwt: OrdersJwtOptions = {
  secret: kept?.secret ?? config.jwtSecret!,
  issuer: config.jwtIssuer,
  audience: config.jwtAudience,
};

// Before the app is made: it makes its tracer and instruments from what is registered then.
const observability = setupOrdersObservability({ journeySampleRate: config.journeySampleRate });
const store = sqliteStore({ path: config.dbPath });
let http: OrdersHttp;
try {
  http = await startOrdersHttp({
    store,
    port: config.port,
    jwt,
    // Payment confirms orders, through the fulfillment saga and the simulated payment service.
    fulfillment: fulfillmentOptionsFromEnv(process.env),
    payments: paymentOptionsFromEnv(process.env),
    ...observability.service,
  });
} catch (error) {
  await observability.shutdown();
  await store.close();
  console.error(
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? `Port ${config.port} is in use: set PORT to another one (0 picks a free port).`
      : error,
  );
  process.exit(1);
}

const banner: StartBannerInput = {
  url: http.url,
  dbPath: config.dbPath,
  secret: kept ? { from: 'data-dir', path: kept.path, created: kept.created } : { from: 'environment' },
  ...(config.demo && {
    demo: {
      seeded: await seedDemoTenants(http.app),
      tokens: await Promise.all(
        demoTenants.map((tenant) => demoTokens(tenant.tenantId, tenant.customers[0]!)),
      ),
      tokenLifetime: TOKEN_LIFETIME,
      order: {
        orderId: OrderId(),
        items: [{ productId: demoTenants[0]!.products[0]!.productId, quantity: 1 }],
      },
    },
  }),
};
console.log(startBanner(banner).join('\n'));

async function demoTokens(
  tenantId: string,
  customer: { readonly customerId: string; readonly name: string },
): Promise<TenantTokens> {
  return {
    tenantId,
    customer,
    customerToken: await signToken(jwt, {
      tenantId,
      subject: customer.customerId,
      expiresIn: TOKEN_LIFETIME,
    }),
    adminToken: await signToken(jwt, {
      tenantId,
      subject: `${tenantId}-admin`,
      roles: ['admin'],
      expiresIn: TOKEN_LIFETIME,
    }),
  };
}

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    console.error(`${signal} again: stopping at once.`);
    process.exit(1);
  }
  stopping = true;
  console.log(`${signal}: finishing the requests in flight, then stopping.`);
  try {
    await http.close();
  } finally {
    // After the app: its last spans and metrics are exported on the way out.
    await observability.shutdown();
    await store.close();
  }
  console.log('Stopped.');
}
const onSignal = (signal: NodeJS.Signals) =>
  void stop(signal).catch((error: unknown) => {
    console.error('Stopping failed:', error);
    process.exitCode = 1;
  });
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
