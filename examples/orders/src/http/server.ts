/**
 * Runs the orders service as an HTTP service: the app (tenants required) with its daemon and
 * sagas, and the HTTP edge on Node's HTTP server. Observability is the caller's to set up
 * (`setupOrdersObservability`, once per process) and hand in as `logger`, `observability` and
 * `metrics`; without them the service runs as quietly as before.
 */
import type { Store, WhizbangApp } from '@whizbang/core';
import { serve } from '@whizbang/http';
import { createTenantOrdersApp, type OrdersAppOptions } from '../app/create-app.js';
import { ordersApi, type OrdersApiOptions } from './routes.js';

export interface OrdersHttpOptions extends OrdersApiOptions, Omit<OrdersAppOptions, 'store'> {
  /** The store the service runs on; the caller owns it and closes it after `close()`. */
  readonly store: Store;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default: every interface. */
  readonly hostname?: string;
}

export interface OrdersHttp extends AsyncDisposable {
  readonly app: WhizbangApp;
  readonly port: number;
  /** `http://<hostname>:<port>` (`127.0.0.1` when listening on every interface). */
  readonly url: string;
  /** Stops taking requests, waits for those in flight, then stops the app. */
  close(): Promise<void>;
}

/**
 * @example
 * await using http = await startOrdersHttp({
 *   store: sqliteStore({ path: 'data/orders.db' }),
 *   port: 8080,
 *   jwt: { secret: process.env.ORDERS_JWT_SECRET!, issuer: 'https://id.example.com/', audience: 'orders' },
 * });
 */
export async function startOrdersHttp(options: OrdersHttpOptions): Promise<OrdersHttp> {
  const { store, port, hostname, jwt, maxBodyBytes, onServerError, metrics, ...appOptions } = options;
  const app = createTenantOrdersApp({ store, ...appOptions });
  await app.start();
  let served;
  try {
    served = await serve(
      ordersApi(app, {
        jwt,
        ...(maxBodyBytes !== undefined && { maxBodyBytes }),
        ...(onServerError !== undefined && { onServerError }),
        ...(metrics !== undefined && { metrics }),
      }),
      { port: port ?? 3000, ...(hostname !== undefined && { hostname }) },
    );
  } catch (error) {
    await app.stop();
    throw error;
  }
  const close = async () => {
    try {
      await served.close();
    } finally {
      await app.stop();
    }
  };
  return {
    app,
    port: served.port,
    url: `http://${hostname ?? '127.0.0.1'}:${served.port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
