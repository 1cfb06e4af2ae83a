/**
 * The soak test: the orders service as `npm start` runs it (its own process, the payment
 * confirming orders, declining the dearer ones, which the saga then cancels), under
 * `npm run load`'s mix for SOAK_SECONDS, on SQLite and, when the server answers, on PostgreSQL.
 * Products start with little stock and a warehouse restocks them as they run low, so shoppers keep
 * meeting sold-out products (test-support/soak-run.ts). Then, once the service is quiet
 * (settle.ts), nothing may be lost or doubled (test-support/soak-checks.ts):
 *
 * - every answer is a success or a refusal the mix runs into by design (a lost race, a sold-out
 *   product), never an error, warm-up included;
 * - the log agrees with itself and with what the load was told (shop-audit.ts): every order
 *   answered 201 is in it once, as sent, and no other; shipments and cancellations answered 200
 *   happened once; stock never went below zero and units are conserved; reserved credit stayed
 *   within the limit and equals each customer's open orders, and in each tenant a customer with
 *   little credit, two shoppers ordering for them at once, ran out of it and was refused;
 * - nothing was left half done: every order was paid or declined (none still pending), and no
 *   message was dead-lettered;
 * - what the service shows agrees with the log: catalogue, products, customers, order lists,
 *   every order, and the read models the daemon builds (sales per product and per day);
 * - its memory (resident set), once the heap has grown to the load, does not double.
 *
 * topology-soak.e2e.test.ts runs the same load and the same checks (but memory) against
 * `npm run topology`: two API nodes, two daemon nodes and the payment service, over RabbitMQ and
 * NATS.
 *
 * SOAK_SECONDS (default 8, about 35 s for the file) runs it longer, for a real soak:
 * `SOAK_SECONDS=600 npx vitest run examples/orders/src/load/soak.e2e.test.ts`.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import type { StoreSettings } from '../http/service-config.js';
import { JWT } from '../http/test-support/client.js';
import { answers, dropSchemas, POSTGRES_URL } from '../topology/test-support/services.js';
import { sampleMemory, type MemorySample } from './test-support/process-memory.js';
import { soakChecks } from './test-support/soak-checks.js';
import {
  DECLINE_ABOVE_CENTS,
  driveShop,
  settleAndRead,
  SOAK_HOOK_TIMEOUT_MS,
  SOAK_SECONDS,
  WARMUP_SECONDS,
  type SettledSoak,
  type SoakRun,
} from './test-support/soak-run.js';
import { startThrowawayService, type ThrowawayService, type ThrowawayStore } from './throwaway-service.js';

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
  let soak: SettledSoak;
  let memory: MemorySample[];

  beforeAll(async () => {
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
    const { pid } = service;
    if (pid === undefined) throw new Error('The service has no process id');
    const sampler = sampleMemory(pid, 500);
    let run: SoakRun;
    try {
      run = await driveShop([service.url]);
    } finally {
      memory = sampler.stop();
    }
    beside = openBeside(service.store);
    soak = await settleAndRead(run, { orders: beside });
  }, SOAK_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await beside?.close();
    await service?.close();
    if (service?.store.kind === 'postgres') await dropSchemas([schema, `${schema}_payments`]);
  });

  soakChecks(
    () => soak,
    () => service?.url ?? '',
  );

  it(`holds its memory: the resident set grows less than ${MEMORY_GROWTH_LIMIT}× once the heap has grown to the load`, () => {
    const settled =
      (soak.run.shoppingFrom ?? Number.POSITIVE_INFINITY) + (WARMUP_SECONDS + memorySettledSeconds) * 1000;
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
