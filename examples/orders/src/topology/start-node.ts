/**
 * One process of the service, by its role: opens what the settings name (observability, the
 * store, the broker), starts the role's app, and closes all of it, in reverse, when told to.
 * `all` and `api` serve HTTP (`startHttpNode`); `daemon` runs the orders service's background
 * work; `payments` runs the payment service on its own store.
 */
import type { Store, Transport, WhizbangApp } from '@whizbang/core';
import { createTenantOrdersApp } from '../app/create-app.js';
import { fulfillmentOptionsFromEnv } from '../app/fulfillment-env.js';
import { startHttpNode } from '../http/http-node.js';
import { setupOrdersObservability, type OrdersObservability } from '../http/observability.js';
import { describeStore, describeTransport, type ServiceConfig } from '../http/service-config.js';
import { paymentOptionsFromEnv } from '../payments/payment-env.js';
import { createPaymentsApp } from '../payments/payments-app.js';
import { openStore, openTransport } from './connections.js';
import { serveManagement } from './management-http.js';
import { nodeBanner } from './node-banner.js';
import { roleAppOptions } from './node-roles.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunningNode {
  /** What to print now that it runs: its first line says what it is (and its URL, for HTTP). */
  readonly banner: readonly string[];
  /** What closing it does, for the line a signal prints. */
  readonly stopping: string;
  /** Finishes the work in hand, then closes everything the node opened. */
  close(): Promise<void>;
}

/** Closes what was opened, newest first, all of it even when one fails. */
class Opened {
  readonly #closers: (() => Promise<void>)[] = [];
  add(close: () => Promise<void>): void {
    this.#closers.push(close);
  }
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.#closers.splice(0).toReversed())
      await close().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw new AggregateError(errors, 'Some parts of the node failed to close');
  }
}

/**
 * @example
 * const node = await startNode(serviceConfig(process.env), process.env);
 * console.log(node.banner.join('\n'));
 * process.on('SIGTERM', () => void node.close());
 */
export async function startNode(config: ServiceConfig, env: Env): Promise<RunningNode> {
  const opened = new Opened();
  try {
    // Before any app is made: an app makes its tracer and instruments from what is registered then.
    const observability = setupOrdersObservability({
      serviceName: config.role === 'payments' ? 'payments' : 'orders',
      journeySampleRate: config.journeySampleRate,
    });
    // Closed last: the apps' last spans and metrics are exported on the way out.
    opened.add(() => observability.shutdown());
    const storeSettings = config.role === 'payments' ? config.paymentsStore : config.store;
    const store = await openStore(storeSettings);
    opened.add(() => store.close());
    const transport = await openTransport(config.transport, `orders-${config.role}-${process.pid}`);
    if (transport !== undefined) opened.add(() => transport.close());
    const banner = await startRole(config, env, { store, transport, observability, opened });
    return {
      banner,
      stopping:
        config.role === 'all' || config.role === 'api'
          ? 'finishing the requests in flight, then stopping'
          : 'finishing the messages in hand, then stopping',
      close: () => opened.close(),
    };
  } catch (error) {
    await opened.close().catch(() => undefined); // the start's own error says more
    throw error;
  }
}

interface NodeResources {
  readonly store: Store;
  readonly transport: Transport | undefined;
  readonly observability: OrdersObservability;
  readonly opened: Opened;
}

async function startRole(config: ServiceConfig, env: Env, resources: NodeResources): Promise<string[]> {
  const { store, transport, observability, opened } = resources;
  const { role } = config;
  if (role === 'all' || role === 'api') {
    const { http, banner } = await startHttpNode({
      config: { ...config, role },
      env,
      store,
      transport,
      observability,
    });
    opened.add(() => http.close());
    return [...banner];
  }
  // Checked by serviceConfig: these roles run over a broker.
  if (transport === undefined) throw new TypeError(`ORDERS_ROLE=${role} needs a transport`);
  const { logger, observability: telemetry } = observability.service;
  const app: WhizbangApp =
    role === 'daemon'
      ? createTenantOrdersApp({
          store,
          fulfillment: fulfillmentOptionsFromEnv(env),
          ...roleAppOptions(role, transport),
          logger,
          observability: telemetry,
        })
      : createPaymentsApp({
          store,
          messaging: { transport },
          gateway: paymentOptionsFromEnv(env),
          logger,
          observability: telemetry,
        });
  await app.start();
  opened.add(() => app.stop());
  const management =
    config.managementPort === undefined
      ? undefined
      : await serveManagement(app, config.managementPort, observability.service.metrics);
  if (management !== undefined) opened.add(() => management.close());
  return nodeBanner({
    role,
    store: describeStore(role === 'daemon' ? config.store : config.paymentsStore),
    broker: describeTransport(config.transport),
    ...(management !== undefined && { management: management.url }),
  });
}
