/**
 * The ways the topology suite runs the service, each as real processes from the built entries:
 * `npm start` on SQLite (one process, the payment service in it), and `npm run topology` on
 * PostgreSQL with RabbitMQ or NATS (API nodes, daemon nodes, the payment service), each run in
 * schemas and broker names of its own, removed afterwards. The topology suite and the topology's
 * soak start them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import { JWT } from '../../http/test-support/client.js';
import { LISTENING } from '../../http/start-banner.js';
import { paymentStream } from '../../payments/payment-messages.js';
import { lineMatching, spawnNodeProcess, type NodeProcess } from '../node-process.js';
import { TOPOLOGY_READY } from '../topology-banner.js';
import {
  answers,
  deleteNatsStreams,
  deleteRabbitMqNames,
  dropSchemas,
  natsMessages,
  NATS_URL,
  POSTGRES_URL,
  rabbitMqMessages,
  RABBITMQ_URL,
  type BrokerMessages,
} from './services.js';

/** The simulated gateway declines charges above this, unless a deployment is told otherwise. */
export const DECLINE_ABOVE_CENTS = 100_00;

/** What a suite may change of the way a deployment runs. */
export interface DeploymentOptions {
  /** Default `DECLINE_ABOVE_CENTS`. */
  readonly declineAboveCents?: number;
  /** The topology seeds the demo tenants and prints their tokens and curl lines (default true). */
  readonly demo?: boolean;
}

export interface RunningDeployment {
  /** The API nodes' URLs: one for a single process. */
  readonly apiUrls: readonly string[];
  /** What it printed so far (a topology's nodes, prefixed with their names). */
  readonly lines: readonly string[];
  /**
   * Its stores, opened beside it (which migrated them): the orders store, and the one the payment
   * service keeps its events in (the same one, in one process). Closed by `cleanUp`.
   */
  readonly stores: { readonly orders: Store; readonly payments: Store };
  /** What the broker holds for the run; undefined for one process, which runs over none. */
  readonly brokerMessages: (() => Promise<BrokerMessages>) | undefined;
  /** The payment service's record of an order's payment, from the store it keeps its events in. */
  paymentEvents(orderId: string, tenantId: string): Promise<string[]>;
  /** The same stream as the orders store has it: nothing, when payments keep a store of their own. */
  ordersStorePaymentEvents(orderId: string, tenantId: string): Promise<string[]>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Kills what still runs and removes what the run stored. */
  cleanUp(): Promise<void>;
}

export interface Deployment {
  readonly name: string;
  /** The payment service runs as a process of its own, on a store of its own. */
  readonly paymentsApart: boolean;
  start(options?: DeploymentOptions): Promise<RunningDeployment>;
}

/** An order's payment, as `store` has it. */
const paymentHistory = (store: Store) => async (orderId: string, tenantId: string) =>
  (await store.events.readStream(paymentStream(orderId), { tenantId })).events.map((event) => event.type);

const dist = (path: string) => fileURLToPath(new URL(`../../../dist/${path}`, import.meta.url));

/** What every deployment shares: the suite's token settings, the gateway's limit, quiet logs. */
function baseEnv(dataDir: string, options: DeploymentOptions): Record<string, string> {
  return {
    ORDERS_DATA_DIR: dataDir,
    ORDERS_JWT_SECRET: JWT.secret,
    ORDERS_JWT_ISSUER: JWT.issuer,
    ORDERS_JWT_AUDIENCE: JWT.audience,
    PAYMENTS_DECLINE_ABOVE_CENTS: String(options.declineAboveCents ?? DECLINE_ABOVE_CENTS),
    // Whatever the shell running the suite says, the defaults for these.
    ORDERS_PAY_WITHIN_MS: '',
    ORDERS_SHIP_WITHIN_MS: '',
    PAYMENTS_FAILURE_RATE: '',
    PAYMENTS_DELAY_MS: '',
    LOG_LEVEL: 'warn',
    PORT: '0',
  };
}

/** `npm start`: one process on SQLite. */
const singleProcess: Deployment = {
  name: 'one process on SQLite',
  paymentsApart: false,
  start: async (options = {}) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orders-topology-'));
    const service = spawnNodeProcess({
      entry: dist('http/main.js'),
      env: {
        ...baseEnv(dataDir, options),
        ORDERS_ROLE: 'all',
        ORDERS_STORE: 'sqlite',
        ORDERS_DB: '',
        ORDERS_TRANSPORT: 'none',
        ORDERS_DEMO: '0',
      },
    });
    let store: Store | undefined;
    const cleanUp = async () => {
      await service.stop('SIGKILL');
      await store?.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      const listening = await service.waitForLine(lineMatching(`${LISTENING} `, { start: true }));
      // The payment service keeps its events in the orders file: read beside the service, as SQLite allows.
      store = sqliteStore({ path: join(dataDir, 'orders.db'), migrate: false });
      return {
        apiUrls: [listening.slice(LISTENING.length + 1)],
        lines: service.lines,
        stores: { orders: store, payments: store },
        brokerMessages: undefined,
        paymentEvents: paymentHistory(store),
        ordersStorePaymentEvents: paymentHistory(store),
        stop: () => service.stop('SIGTERM'),
        cleanUp,
      };
    } catch (error) {
      await cleanUp();
      throw error;
    }
  },
};

/** `npm run topology` on PostgreSQL and `transport`, with its own schemas and broker names. */
function topology(transport: 'rabbitmq' | 'nats'): Deployment {
  return {
    name: `npm run topology on PostgreSQL and ${transport === 'rabbitmq' ? 'RabbitMQ' : 'NATS'}`,
    paymentsApart: true,
    start: async (options = {}) => {
      const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
      const schemas = { orders: `topology_${run}`, payments: `topology_${run}_payments` };
      const prefix = transport === 'rabbitmq' ? `wbt-topology-${run}.` : `wbttopology${run}`;
      const dataDir = mkdtempSync(join(tmpdir(), 'orders-topology-'));
      const script = spawnNodeProcess({
        entry: dist('topology/main.js'),
        env: {
          ...baseEnv(dataDir, options),
          // With the demo, the topology suite runs the banner's curl lines too.
          ORDERS_DEMO: options.demo === false ? '0' : '1',
          ORDERS_STORE: 'postgres',
          ORDERS_DATABASE_URL: POSTGRES_URL,
          ORDERS_DATABASE_SCHEMA: schemas.orders,
          PAYMENTS_DATABASE_SCHEMA: schemas.payments,
          ORDERS_TRANSPORT: transport,
          ORDERS_BROKER_URL: transport === 'rabbitmq' ? RABBITMQ_URL : NATS_URL,
          ORDERS_BROKER_PREFIX: prefix,
          TOPOLOGY_API_NODES: '2',
          TOPOLOGY_DAEMON_NODES: '2',
        },
        // Within the suite's hook timeout: a start that fails cleans up after itself.
        timeoutMs: 45_000,
      });
      const opened: Store[] = [];
      const storeOf = (schema: string) => {
        const store = postgresStore({
          connectionString: POSTGRES_URL,
          schema,
          migrate: false,
          maxConnections: 2,
        });
        opened.push(store);
        return store;
      };
      const cleanUp = async () => {
        await stopAll(script);
        for (const store of opened) await store.close();
        await dropSchemas(Object.values(schemas));
        await (transport === 'rabbitmq' ? deleteRabbitMqNames(prefix) : deleteNatsStreams(prefix));
        rmSync(dataDir, { recursive: true, force: true });
      };
      try {
        await script.waitForLine(lineMatching(TOPOLOGY_READY));
        const stores = { orders: storeOf(schemas.orders), payments: storeOf(schemas.payments) };
        return {
          apiUrls: script.lines.flatMap(
            (line) => /^ {2}api-\d+ +pid \d+ +(http:\/\/\S+):\s/.exec(line)?.[1] ?? [],
          ),
          lines: script.lines,
          stores,
          brokerMessages: () => (transport === 'rabbitmq' ? rabbitMqMessages(prefix) : natsMessages(prefix)),
          paymentEvents: paymentHistory(stores.payments),
          ordersStorePaymentEvents: paymentHistory(stores.orders),
          stop: () => script.stop('SIGTERM'),
          cleanUp,
        };
      } catch (error) {
        await cleanUp();
        throw error;
      }
    },
  };
}

/**
 * SIGTERM, and the script stops its nodes. Should it not stop in time, it is killed, and so are
 * its nodes, by the pids its banner names (a killed script cannot stop them): no run leaves
 * processes behind.
 */
async function stopAll(script: NodeProcess): Promise<void> {
  if (script.hasExited) return;
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    void script.stop('SIGKILL');
  }, 20_000);
  await script.stop('SIGTERM');
  clearTimeout(timer);
  if (!killed) return;
  for (const line of script.lines) {
    const pid = /^ {2}\S+ +pid (\d+) /.exec(line)?.[1];
    if (pid === undefined) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** The topology on each broker that answers (and PostgreSQL). */
export async function topologies(): Promise<Deployment[]> {
  const postgres = await answers('PostgreSQL', POSTGRES_URL, 5432);
  const [rabbitmq, nats] = postgres
    ? await Promise.all([answers('RabbitMQ', RABBITMQ_URL, 5672), answers('NATS', NATS_URL, 4222)])
    : [false, false];
  return [...(rabbitmq ? [topology('rabbitmq')] : []), ...(nats ? [topology('nats')] : [])];
}

/** One process on SQLite always; the topology on each broker that answers. */
export async function deployments(): Promise<Deployment[]> {
  return [singleProcess, ...(await topologies())];
}
