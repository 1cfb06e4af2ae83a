/**
 * The soak test: the orders service as `npm start` runs it (its own process, the payment
 * confirming orders, declining the dearer ones, which the saga then cancels), under
 * `npm run load`'s mix for SOAK_SECONDS, on SQLite and, when the server answers, on PostgreSQL.
 * Products start with little stock and a warehouse restocks them as they run low, so shoppers keep
 * meeting sold-out products. Then, once the service is quiet, nothing may be lost or doubled:
 *
 * - every answer is a success or a refusal the mix runs into by design (a lost race, a sold-out
 *   product), never an error, warm-up included;
 * - the log agrees with itself and with what the load was told (shop-audit.ts): every order
 *   answered 201 is in it once, as sent, and no other; shipments and cancellations answered 200
 *   happened once; stock never went below zero and units are conserved; reserved credit stayed
 *   within the limit and equals each customer's open orders;
 * - what the service shows agrees with the log: catalogue, products, customers, order lists,
 *   every order, and the read models the daemon builds (sales per product and per day);
 * - its memory (resident set), once the heap has grown to the load, does not double.
 *
 * SOAK_SECONDS (default 8, about 30 s for the file) runs it longer, for a real soak:
 * `SOAK_SECONDS=600 npx vitest run examples/orders/src/load/soak.e2e.test.ts`.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import type { StoreSettings } from '../http/service-config.js';
import { adminToken, JWT } from '../http/test-support/client.js';
import { answers, dropSchemas, POSTGRES_URL } from '../topology/test-support/services.js';
import { formatLoadReport } from './report.js';
import { runLoad, type LoadReport } from './run-load.js';
import type { WriteAnswer } from './shopper.js';
import { sampleMemory, type MemorySample } from './test-support/process-memory.js';
import { startRestocking, type RestockAnswer } from './test-support/restocker.js';
import { settle } from './test-support/settle.js';
import { auditAnswers, auditLog, auditViews } from './test-support/shop-audit.js';
import { readShopLog, type ShopLog } from './test-support/shop-log.js';
import { readShopViews } from './test-support/shop-views.js';
import { startThrowawayService, type ThrowawayService, type ThrowawayStore } from './throwaway-service.js';

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] || 8);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 8;
/** Few products, little stock: orders race for the last units. */
const PRODUCTS_PER_TENANT = 4;
const STOCK = 30;
const RESTOCK = { below: 5, quantity: 30, everyMs: 500 } as const;
/** The gateway declines these (a large order), and the saga cancels them: a fifth or so. */
const DECLINE_ABOVE_CENTS = 25_00;
/**
 * A loose bound: a leak grows without end, a healthy heap settles well within this. The heap
 * takes longer than the load's warm-up to grow to the load (on a two-core machine, SQLite: 136 MB
 * after the warm-up, about 240 MB 20 s later, then flat at 268 MB to the end of a 60 s run), so
 * growth is measured from a quarter into the measured run, and at least 4 s into it.
 */
const MEMORY_GROWTH_LIMIT = 2;
const memorySettledSeconds = Math.max(0.25 * SOAK_SECONDS, 4);

interface SoakStore {
  readonly name: string;
  readonly store: ThrowawayStore;
}

const schema = `soak_${process.pid}_${Date.now().toString(36)}`;
const sqlite: SoakStore = { name: 'SQLite', store: { kind: 'sqlite' } };
const postgres: SoakStore = { name: 'PostgreSQL', store: { kind: 'postgres', url: POSTGRES_URL, schema } };
const stores = (await answers('PostgreSQL', POSTGRES_URL, 5432)) ? [sqlite, postgres] : [sqlite];

/** The service's store, opened beside it to read its log; the service migrated it. */
function openBeside(settings: StoreSettings): Store {
  return settings.kind === 'sqlite'
    ? sqliteStore({ path: settings.path, migrate: false })
    : postgresStore({
        connectionString: settings.url,
        schema: settings.schema,
        migrate: false,
        maxConnections: 2,
      });
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

describe.each(stores)(`the orders service on $name under the load mix for ${SOAK_SECONDS} s`, ({ store }) => {
  let service: ThrowawayService | undefined;
  let beside: Store | undefined;
  let report: LoadReport;
  let memory: MemorySample[];
  /** When the shoppers started (their first write): the warm-up runs from there. */
  let shoppingFrom: number | undefined;
  const writes = new Map<string, WriteAnswer[]>();
  const restocks: RestockAnswer[] = [];
  const shops = new Map<string, ShopLog>();
  const admins = new Map<string, string>();

  beforeAll(
    async () => {
      service = await startThrowawayService({
        entry: fileURLToPath(new URL('../../dist/http/main.js', import.meta.url)),
        store,
        jwt: JWT,
        env: {
          LOG_LEVEL: 'warn',
          PAYMENTS_DECLINE_ABOVE_CENTS: String(DECLINE_ABOVE_CENTS),
          // The defaults, whatever the shell running the suite says.
          PAYMENTS_FAILURE_RATE: '',
          PAYMENTS_DELAY_MS: '',
          ORDERS_PAY_WITHIN_MS: '',
          ORDERS_SHIP_WITHIN_MS: '',
        },
      });
      const { url, pid } = service;
      if (pid === undefined) throw new Error('The service has no process id');
      const tenants = ['load-1', 'load-2'];
      for (const tenantId of tenants) admins.set(tenantId, await adminToken(tenantId));

      const sampler = sampleMemory(pid, 500);
      const warehouse = startRestocking({
        url,
        tenants: tenants.map((tenantId) => ({ tenantId, adminToken: admins.get(tenantId) ?? '' })),
        ...RESTOCK,
        onRestock: (answer) => restocks.push(answer),
      });
      try {
        report = await runLoad({
          url,
          jwt: JWT,
          seconds: SOAK_SECONDS,
          connections: CONNECTIONS,
          warmupSeconds: WARMUP_SECONDS,
          tenants,
          productsPerTenant: PRODUCTS_PER_TENANT,
          stock: STOCK,
          onWrite: (tenantId, answer) => {
            shoppingFrom ??= performance.now();
            const tenantWrites = writes.get(tenantId) ?? [];
            writes.set(tenantId, tenantWrites);
            tenantWrites.push(answer);
          },
        });
      } finally {
        await warehouse.stop();
        memory = sampler.stop();
      }
      console.log(formatLoadReport(report).join('\n'));

      beside = openBeside(service.store);
      await settle(beside);
      for (const tenantId of tenants) shops.set(tenantId, await readShopLog(beside, tenantId));
    },
    (SOAK_SECONDS + WARMUP_SECONDS) * 1000 + 90_000,
  );

  afterAll(async () => {
    await beside?.close();
    await service?.close();
    if (service?.store.kind === 'postgres') await dropSchemas([schema, `${schema}_payments`]);
  });

  const tenantsOf = () => report.shop.map(({ tenantId }) => tenantId);
  const shopOf = (tenantId: string): ShopLog => {
    const shop = shops.get(tenantId);
    if (shop === undefined) throw new Error(`No log read for ${tenantId}`);
    return shop;
  };

  it('answers every request, refusing only what the mix runs into by design, and ran the whole mix', () => {
    expect({ errors: report.overall.errors, report: formatLoadReport(report) }).toMatchObject({ errors: {} });
    const statuses = (operation: string) =>
      report.operations.find((o) => o.operation === operation)?.statuses;
    expect(statuses('place')?.[201]).toBeGreaterThan(0);
    expect(statuses('ship')?.[200]).toBeGreaterThan(0);
    expect(statuses('cancel')?.[200]).toBeGreaterThan(0);
    // The shop ran low and was restocked: stock was near zero, where overselling would show.
    expect(restocks.length).toBeGreaterThan(0);
  });

  it('kept its word: the log has every order, shipment, cancellation and restock it answered for, once, and nothing else', () => {
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      expect({
        tenantId,
        problems: auditAnswers(
          shop,
          writes.get(tenantId) ?? [],
          restocks.filter((r) => r.tenantId === tenantId),
        ),
      }).toEqual({
        tenantId,
        problems: [],
      });
      expect(shop.orders.size).toBeGreaterThan(0);
    }
  });

  it('never oversold or overdrew: stock and credit held at every version, and units and credit are conserved', () => {
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      expect({ tenantId, problems: auditLog(shop) }).toEqual({ tenantId, problems: [] });
      const listed = report.shop.find((t) => t.tenantId === tenantId);
      expect([...shop.products.keys()].toSorted()).toEqual([...(listed?.productIds ?? [])].toSorted());
      expect([...shop.customers.keys()].toSorted()).toEqual([...(listed?.customerIds ?? [])].toSorted());
      // The payment declined some orders and the saga cancelled them, giving back what they held.
      expect(
        [...shop.orders.values()].some((o) => o.status === 'cancelled' && o.cancelReason !== undefined),
      ).toBe(true);
    }
  });

  it('shows what the log says: catalogue, products, customers and their orders, every order, sales per product and per day', async () => {
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      const days = [...shop.days.keys()].toSorted();
      const views = await readShopViews(service?.url ?? '', admins.get(tenantId) ?? '', {
        productIds: [...shop.products.keys()],
        customerIds: [...shop.customers.keys()],
        orderIds: [...shop.orders.keys()],
        from: days.at(0) ?? '',
        to: days.at(-1) ?? '',
      });
      expect({ tenantId, problems: auditViews(shop, views) }).toEqual({ tenantId, problems: [] });
      expect(views.orders.length).toBe(shop.orders.size);
    }
  });

  it(`holds its memory: the resident set grows less than ${MEMORY_GROWTH_LIMIT}× once the heap has grown to the load`, () => {
    const settled =
      (shoppingFrom ?? Number.POSITIVE_INFINITY) + (WARMUP_SECONDS + memorySettledSeconds) * 1000;
    const afterWarmup = memory.filter((sample) => sample.at >= settled);
    const [first] = afterWarmup;
    expect(first).toBeDefined();
    const peak = Math.max(...afterWarmup.map((sample) => sample.bytes));
    // Twenty points of the run at most: enough to tell a plateau from a climb.
    const step = Math.ceil(memory.length / 20);
    const course = memory.filter((_, i) => i % step === 0 || i === memory.length - 1);
    console.log(
      `Resident set: ${mb(first?.bytes ?? 0)} ${memorySettledSeconds} s into the run, peak ${mb(peak)} after; over the run (MB): ` +
        course.map((sample) => Math.round(sample.bytes / 2 ** 20)).join(' '),
    );
    expect(peak).toBeLessThan(MEMORY_GROWTH_LIMIT * (first?.bytes ?? 0));
  });
});
