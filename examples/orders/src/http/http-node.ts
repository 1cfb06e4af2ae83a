/**
 * A process that serves the HTTP API (roles `all` and `api`): the app with its role's parts,
 * the HTTP edge, and, in demo mode, the demo tenants and their tokens; then the start banner.
 */
import type { Store, Transport } from '@whizbang/core';
import { fulfillmentOptionsFromEnv } from '../app/fulfillment-env.js';
import { seedDemoTenants } from '../demo/demo-tenants.js';
import { paymentOptionsFromEnv } from '../payments/payment-env.js';
import { describeRole, roleAppOptions, type OrdersNodeRole } from '../topology/node-roles.js';
import { demoSection } from './demo-section.js';
import type { OrdersObservability } from './observability.js';
import { startOrdersHttp, type OrdersHttp } from './server.js';
import { describeStore, describeTransport, type ServiceConfig } from './service-config.js';
import { serviceJwt } from './service-jwt.js';
import { startBanner } from './start-banner.js';

export interface HttpNodeOptions {
  readonly config: ServiceConfig & { readonly role: OrdersNodeRole };
  /** Where the fulfillment saga's times and the in-process payment service's failures come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store: Store;
  /** The broker, when the payment service runs as its own process. */
  readonly transport: Transport | undefined;
  readonly observability: OrdersObservability;
}

export interface HttpNode {
  readonly http: OrdersHttp;
  /** What to print once it listens: the URL first. */
  readonly banner: readonly string[];
}

/** The port asked for is taken: said so the person starting the service can fix it. */
export class PortInUseError extends Error {
  readonly code = 'ORDERS_PORT_IN_USE';
  constructor(port: number, options: ErrorOptions) {
    super(`Port ${port} is in use: set PORT to another one (0 picks a free port).`, options);
  }
}

/**
 * @example
 * const { http, banner } = await startHttpNode({ config, env: process.env, store, transport, observability });
 * console.log(banner.join('\n'));
 */
export async function startHttpNode(options: HttpNodeOptions): Promise<HttpNode> {
  const { config, env, store, transport, observability } = options;
  const { jwt, source } = serviceJwt(config);
  let http: OrdersHttp;
  try {
    http = await startOrdersHttp({
      store,
      port: config.port,
      jwt,
      // Payment confirms orders, through the fulfillment saga and the simulated payment service.
      fulfillment: fulfillmentOptionsFromEnv(env),
      ...roleAppOptions(config.role, transport, paymentOptionsFromEnv(env)),
      ...observability.service,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(config.port, { cause: error });
    throw error;
  }
  try {
    const banner = startBanner({
      url: http.url,
      store: describeStore(config.store),
      secret: source,
      ...(transport !== undefined && {
        distributed: { role: describeRole(config.role), broker: describeTransport(config.transport) },
      }),
      ...(config.demo && { demo: await demoSection(jwt, await seedDemoTenants(http.app)) }),
    });
    return { http, banner };
  } catch (error) {
    await http.close();
    throw error;
  }
}
