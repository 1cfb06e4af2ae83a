/**
 * A soak's run, whatever runs the service (one process, or the topology's nodes): the shop it
 * drives, the load mix over the service's API nodes for SOAK_SECONDS, and, once the service is
 * quiet, what it logged and what it parked. Products start with little stock and a warehouse
 * restocks them as they run low, so shoppers keep meeting sold-out products and stock stays near
 * zero, where an oversold unit would show; the payment declines the dearer orders, which the
 * saga then cancels.
 */
import type { Store } from '@whizbang/core';
import { JWT } from '../../http/test-support/client.js';
import { adminToken } from '../../http/tokens.js';
import type { BrokerMessages } from '../../topology/test-support/services.js';
import { formatLoadReport } from '../report.js';
import { runLoad, type LoadReport } from '../run-load.js';
import type { WriteAnswer } from '../shopper.js';
import { startRestocking, type RestockAnswer } from './restocker.js';
import { settle } from './settle.js';
import { readShopLog, type ShopLog } from './shop-log.js';

export const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] || 8);
export const WARMUP_SECONDS = 2;
/** The gateway declines these (a large order), and the saga cancels them: a fifth or so. */
export const DECLINE_ABOVE_CENTS = 25_00;
/** A soak's `beforeAll`: the run, and the start, the settling and the reading around it. */
export const SOAK_HOOK_TIMEOUT_MS = (SOAK_SECONDS + WARMUP_SECONDS) * 1000 + 90_000;

const TENANTS = ['load-1', 'load-2'];
const CONNECTIONS = 8;
/** Few products, little stock: orders race for the last units. */
const PRODUCTS_PER_TENANT = 4;
const STOCK = 30;
const RESTOCK = { below: 5, quantity: 30, everyMs: 500 } as const;
/**
 * One customer per shopper, except that each tenant's first customer is shared with its last
 * shopper (on another API node in the topology) and has little credit: two shoppers race for
 * the last of it, all run long, where credit reserved over the limit would show.
 */
const CUSTOMERS = CONNECTIONS - TENANTS.length;
const TIGHT_CREDIT_CENTS = 100_00;
const creditLimitCents = (customer: number) =>
  customer < TENANTS.length ? TIGHT_CREDIT_CENTS : 1_000_000_000_00;

export interface SoakRun {
  readonly report: LoadReport;
  /** The answer to every write, warm-up included, by tenant. */
  readonly writes: ReadonlyMap<string, readonly WriteAnswer[]>;
  readonly restocks: readonly RestockAnswer[];
  /** Each tenant's admin token, valid for a day: a long soak outlives a test token's minutes. */
  readonly admins: ReadonlyMap<string, string>;
  /** When the shoppers started (their first write): the warm-up runs from there. */
  readonly shoppingFrom: number | undefined;
}

/**
 * Runs the load mix, warehouse beside it, against the API nodes at `urls`: the shoppers spread
 * over them, the warehouse restocks through the last. Prints the load report.
 * @example
 * const run = await driveShop([service.url]);
 */
export async function driveShop(urls: readonly string[]): Promise<SoakRun> {
  const admins = new Map<string, string>();
  for (const tenantId of TENANTS) admins.set(tenantId, await adminToken(JWT, { tenantId }));
  const writes = new Map<string, WriteAnswer[]>();
  const restocks: RestockAnswer[] = [];
  let shoppingFrom: number | undefined;
  const warehouse = startRestocking({
    url: urls.at(-1) ?? '',
    tenants: TENANTS.map((tenantId) => ({ tenantId, adminToken: admins.get(tenantId) ?? '' })),
    ...RESTOCK,
    onRestock: (answer) => restocks.push(answer),
  });
  let report: LoadReport;
  try {
    report = await runLoad({
      url: urls,
      jwt: JWT,
      seconds: SOAK_SECONDS,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      tenants: TENANTS,
      productsPerTenant: PRODUCTS_PER_TENANT,
      stock: STOCK,
      customers: CUSTOMERS,
      creditLimitCents,
      onWrite: (tenantId, answer) => {
        shoppingFrom ??= performance.now();
        const tenantWrites = writes.get(tenantId) ?? [];
        writes.set(tenantId, tenantWrites);
        tenantWrites.push(answer);
      },
    });
  } finally {
    await warehouse.stop();
  }
  console.log(formatLoadReport(report).join('\n'));
  return { report, writes, restocks, admins, shoppingFrom };
}

/** Where the service keeps what it did, opened beside it, and its broker, if it has one. */
export interface SoakStores {
  readonly orders: Store;
  /** The payment service's store, when it keeps one of its own (the topology). */
  readonly payments?: Store;
  readonly brokerMessages?: (() => Promise<BrokerMessages>) | undefined;
}

export interface SettledSoak {
  readonly run: SoakRun;
  /** Each tenant's log, folded, read once the service was quiet. */
  readonly shops: ReadonlyMap<string, ShopLog>;
  /** What was parked rather than handled: the stores' dead letters, the broker's. */
  readonly parked: readonly string[];
}

/**
 * Waits for the service to go quiet (settle.ts), then reads each tenant's log and what was parked.
 * @example
 * const soak = await settleAndRead(run, { orders: beside });
 */
export async function settleAndRead(run: SoakRun, stores: SoakStores): Promise<SettledSoak> {
  const { orders, payments, brokerMessages } = stores;
  const started = performance.now();
  await settle(orders, {
    ...(payments !== undefined && { payments }),
    ...(brokerMessages !== undefined && {
      brokerBacklog: async () => (await brokerMessages()).waiting,
    }),
  });
  console.log(`Quiet ${((performance.now() - started) / 1000).toFixed(1)} s after the load ended.`);
  const shops = new Map<string, ShopLog>();
  for (const { tenantId } of run.report.shop) shops.set(tenantId, await readShopLog(orders, tenantId));
  const parked: string[] = [];
  for (const [name, store] of [
    ['orders', orders],
    ['payments', payments],
  ] as const)
    for (const letter of (await store?.deadLetters.list({ limit: 100 })) ?? [])
      parked.push(
        `${name} store: ${letter.messageType} ${letter.messageId} from ${letter.source}, after ${letter.attempts} attempts: ${letter.error.message}`,
      );
  const onBroker = (await brokerMessages?.())?.deadLetters ?? 0;
  if (onBroker > 0) parked.push(`${onBroker} messages in the broker's dead-letter queues`);
  return { run, shops, parked };
}
