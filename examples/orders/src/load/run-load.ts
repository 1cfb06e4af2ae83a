/**
 * A load run against a running orders service, as it runs (payment confirms the orders): it
 * registers its own products and customers (ids `load-<run>-…`, plenty of stock and credit
 * unless told otherwise, in tenants of its own, so the demo tenants' data stays as it was), then
 * keeps `connections` shoppers busy, each one request at a time, for a warm-up and then
 * `seconds` of measuring.
 */
import type { OrdersJwtOptions } from '../http/routes.js';
import { adminToken as signAdminToken, customerToken as signCustomerToken } from '../http/tokens.js';
import { latencyRecorder, type LatencySummary } from './latency.js';
import { OPERATION_CLASSES, type Operation } from './mix.js';
import { createShopper, type Shopper, type WriteAnswer } from './shopper.js';
import { worklist } from './worklist.js';

export interface LoadOptions {
  /** The service, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The service's JWT settings: the load signs its shoppers' and admins' tokens with them. */
  readonly jwt: OrdersJwtOptions;
  readonly seconds: number;
  /** Shoppers at once, each on its own keep-alive connection. */
  readonly connections: number;
  /** Run, unmeasured, before the measured seconds (default 1). */
  readonly warmupSeconds?: number;
  /** Default `load-1` and `load-2`. */
  readonly tenants?: readonly string[];
  /** Products per tenant (default 8): fewer means more orders racing for the same product. */
  readonly productsPerTenant?: number;
  /** Units each product starts with (default ten million: enough for any run, unless restocked). */
  readonly stock?: number;
  /** Hears the answer to every write the shoppers send, warm-up included, with its tenant. */
  readonly onWrite?: (tenantId: string, answer: WriteAnswer) => void;
}

/** What the run registered in one of its tenants. */
export interface LoadTenant {
  readonly tenantId: string;
  readonly productIds: readonly string[];
  readonly customerIds: readonly string[];
}

export interface LoadReport extends LatencySummary {
  readonly url: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly tenants: readonly string[];
  readonly products: number;
  /** The products and customers it registered, by tenant. */
  readonly shop: readonly LoadTenant[];
  /** CPU time the load client itself used, as a share of one core: near 1, it measures itself. */
  readonly clientCpu: number;
}

/**
 * @example
 * const report = await runLoad({ url, jwt, seconds: 10, connections: 8 });
 * console.log(formatLoadReport(report).join('\n'));
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { url, jwt, seconds, connections, onWrite } = options;
  const warmupSeconds = options.warmupSeconds ?? 1;
  const tenants = options.tenants ?? ['load-1', 'load-2'];
  const productsPerTenant = options.productsPerTenant ?? 8;
  const run = `load-${Date.now().toString(36)}`;

  const catalogs = await Promise.all(
    tenants.map(async (tenantId) => {
      const adminToken = await signAdminToken(jwt, { tenantId });
      const productIds = Array.from({ length: productsPerTenant }, (_, i) => `${run}-p${i}`);
      for (const [i, productId] of productIds.entries())
        await setup(url, adminToken, '/products', {
          productId,
          name: `Load product ${i}`,
          priceCents: 1_00 + i * 2_50,
          stock: options.stock ?? 10_000_000,
        });
      return { tenantId, adminToken, productIds, customerIds: [] as string[], toShip: worklist() };
    }),
  );

  const recorder = latencyRecorder();
  let recording = false;
  const shoppers: Shopper[] = [];
  for (let i = 0; i < connections; i++) {
    const { tenantId, adminToken, productIds, customerIds, toShip } = catalogs[i % catalogs.length]!;
    const customerId = `${run}-c${i}`;
    customerIds.push(customerId);
    await setup(url, adminToken, '/customers', {
      customerId,
      name: `Load shopper ${i}`,
      creditLimitCents: 1_000_000_000_00,
    });
    const customerToken = await signCustomerToken(jwt, { tenantId, customerId });
    shoppers.push(
      createShopper({
        url,
        customerId,
        customerToken,
        adminToken,
        productIds,
        toShip,
        recorder,
        recording: () => recording,
        ...(onWrite !== undefined && { onWrite: (answer: WriteAnswer) => onWrite(tenantId, answer) }),
      }),
    );
  }

  const warmupEnd = performance.now() + warmupSeconds * 1000;
  const end = warmupEnd + seconds * 1000;
  let measuredFrom = warmupEnd;
  let cpuFrom = process.cpuUsage();
  const startMeasuring = () => {
    recording = true;
    measuredFrom = performance.now();
    cpuFrom = process.cpuUsage();
  };
  if (warmupSeconds <= 0) startMeasuring();
  else setTimeout(startMeasuring, warmupSeconds * 1000).unref();

  await Promise.all(
    shoppers.map(async (shopper) => {
      while (performance.now() < end) await shopper.step();
    }),
  );
  // The last requests finish after `end`: the run lasted until they did.
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  return {
    ...recorder.summary(elapsed, (operation) => OPERATION_CLASSES[operation as Operation]),
    url,
    connections,
    warmupSeconds,
    tenants,
    products: productsPerTenant * tenants.length,
    shop: catalogs.map(({ tenantId, productIds, customerIds }) => ({ tenantId, productIds, customerIds })),
    clientCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

/** Creates what the run needs; a refusal stops the run with what the service said. */
async function setup(url: string, token: string, path: string, body: object): Promise<void> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status === 201) return;
  const answer = await response.text();
  const hint =
    response.status === 401
      ? ": the service does not accept the load's tokens; give it the service's secret (ORDERS_JWT_SECRET, or ORDERS_DATA_DIR for its development secret) and ORDERS_JWT_ISSUER/AUDIENCE if it uses others"
      : '';
  throw new Error(`Setting up the load: POST ${path} answered ${response.status} ${answer}${hint}`);
}
