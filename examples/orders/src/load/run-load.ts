/**
 * A load run against a running orders service, as it runs (payment confirms the orders): it
 * registers its own products and customers (ids `load-<run>-…`, plenty of stock and credit
 * unless told otherwise, in tenants of its own, so the demo tenants' data stays as it was), then
 * keeps `connections` shoppers busy, each one request at a time, for a warm-up and then
 * `seconds` of measuring. Given several API nodes of one service, it spreads each tenant's
 * shoppers over them, so what one node writes another reads and races.
 */
import type { OrdersJwtOptions } from '../http/routes.js';
import { adminToken as signAdminToken, customerToken as signCustomerToken } from '../http/tokens.js';
import { latencyRecorder, type LatencySummary } from './latency.js';
import { OPERATION_CLASSES, type Operation } from './mix.js';
import { createShopper, type Shopper, type WriteAnswer } from './shopper.js';
import { worklist } from './worklist.js';

export interface LoadOptions {
  /**
   * The service, e.g. `http://127.0.0.1:3000`; or its API nodes, each shopper on one of them in
   * turn (the products and customers are registered on the first).
   */
  readonly url: string | readonly string[];
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
  /**
   * Customers the shoppers order for (default one each). Fewer, and shopper `i` orders for
   * customer `i % customers`, racing the others who do for the same credit; a multiple of the
   * tenants, so that every shopper of a customer shops in its tenant.
   */
  readonly customers?: number;
  /** Each customer's credit limit, by its number (default: plenty for any run). */
  readonly creditLimitCents?: (customer: number) => number;
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
  /** The service's URL, or its API nodes', as given. */
  readonly urls: readonly string[];
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
  const { jwt, seconds, connections, onWrite } = options;
  const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
  const url = urls[0];
  if (url === undefined) throw new TypeError('runLoad needs the URL of at least one API node');
  const warmupSeconds = options.warmupSeconds ?? 1;
  const tenants = options.tenants ?? ['load-1', 'load-2'];
  const productsPerTenant = options.productsPerTenant ?? 8;
  const customers = options.customers ?? connections;
  if (!Number.isInteger(customers) || customers < 1 || customers % tenants.length !== 0)
    throw new RangeError(
      `customers must be a positive multiple of the ${tenants.length} tenants, not ${customers}`,
    );
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
    const node = shopperNode(i, catalogs.length, urls);
    const customer = i % customers;
    const customerId = `${run}-c${customer}`;
    if (!customerIds.includes(customerId)) {
      customerIds.push(customerId);
      await setup(url, adminToken, '/customers', {
        customerId,
        name: `Load customer ${customer}`,
        creditLimitCents: options.creditLimitCents?.(customer) ?? 1_000_000_000_00,
      });
    }
    const customerToken = await signCustomerToken(jwt, { tenantId, customerId });
    shoppers.push(
      createShopper({
        url: node,
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
    urls,
    connections,
    warmupSeconds,
    tenants,
    products: productsPerTenant * tenants.length,
    shop: catalogs.map(({ tenantId, productIds, customerIds }) => ({ tenantId, productIds, customerIds })),
    clientCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

/**
 * The API node of the `connection`th shopper, the shoppers going to the tenants in turn: round
 * after round of one shopper per tenant, each round on the next node, so every tenant's shoppers
 * (and its shipping worklist) span the nodes, rather than one tenant per node.
 * @example
 * shopperNode(2, 2, ['http://a', 'http://b']); // 'http://b': the second round
 */
export function shopperNode(connection: number, tenants: number, urls: readonly string[]): string {
  const url = urls[Math.floor(connection / tenants) % urls.length];
  if (url === undefined) throw new TypeError('No API node to send the shopper to');
  return url;
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
