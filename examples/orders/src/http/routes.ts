/**
 * The orders service's HTTP API: every command and query a client sends, as a route, behind
 * bearer JWTs, with the tenant from the token (or `X-Tenant-Id` for a token that names none).
 * Who may send what is the app's to decide (its roles, permissions and ownership policies: see
 * app/roles.ts); the routes only say how a refusal reads. Data is validated by each message's
 * strict schema when the app dispatches it; versions travel in `ETag` and `If-Match`.
 */
import type { WhizbangApp } from '@whizbang/core';
import { httpApi, jwtAuth, type HttpApiOptions } from '@whizbang/http';
import { CancelOrder } from '../app/cancel-order.js';
import { ListCustomerOrders } from '../app/customer-orders.js';
import { GetCustomer, RegisterCustomer } from '../app/customers.js';
import { GetOrder } from '../app/get-order.js';
import { GetJourney } from '../app/journeys.js';
import { ConfirmOrder, DeliverOrder, ShipOrder } from '../app/order-lifecycle.js';
import { ListOrders } from '../app/order-summaries.js';
import { PlaceOrder } from '../app/place-order.js';
import { GetProductSales } from '../app/product-sales.js';
import { ListProducts } from '../app/catalog.js';
import { GetDailySales } from '../app/daily-sales.js';
import { AddProduct, AddStock, GetProduct } from '../app/products.js';
import { ruleViolationStatus } from './rule-violation-status.js';

/** Bearer tokens signed with HS256 by the identity provider that shares `secret` with us. */
export interface OrdersJwtOptions {
  /** At least 32 bytes. */
  readonly secret: string | Uint8Array;
  readonly issuer: string;
  readonly audience: string;
}

export interface OrdersApiOptions {
  readonly jwt: OrdersJwtOptions;
  /** The largest request body in bytes (default 64 KiB: an order of 100 lines is far less). */
  readonly maxBodyBytes?: number;
  /** Told of every 5xx with its error (default: `console.error`). */
  readonly onServerError?: HttpApiOptions['onServerError'];
  /**
   * The Prometheus page to serve at `/metrics`, without a token as scrapers expect (it names
   * message types, routes and projections, never a tenant, a customer or an order):
   * `{ handler: () => telemetry.prometheus.scrape() }`.
   */
  readonly metrics?: HttpApiOptions['metrics'];
}

// #region routes
/** A customer's things, to another customer: not there (404), as another tenant's are. */
const hidden = { deniedAsNotFound: true } as const;

export const ordersRoutes: HttpApiOptions['routes'] = (r) =>
  r
    .post('/customers', RegisterCustomer, { status: 201, location: (c) => `/customers/${c.customerId}` })
    .get('/customers/:customerId', GetCustomer, hidden)
    .get('/customers/:customerId/orders', ListCustomerOrders, hidden)
    .post('/products', AddProduct, { status: 201, location: (p) => `/products/${p.productId}` })
    .get('/products', ListProducts)
    .get('/products/:productId', GetProduct)
    .post('/products/:productId/stock', AddStock, { ifMatch: 'expectedVersion' })
    .get('/products/:productId/sales', GetProductSales)
    .post('/orders', PlaceOrder, { status: 201, location: (o) => `/orders/${o.orderId}` })
    .get('/orders', ListOrders)
    .get('/orders/:orderId', GetOrder, hidden)
    .post('/orders/:orderId/confirm', ConfirmOrder, { ifMatch: 'expectedVersion' })
    .post('/orders/:orderId/ship', ShipOrder, { ifMatch: 'expectedVersion' })
    .post('/orders/:orderId/deliver', DeliverOrder, { ifMatch: 'expectedVersion' })
    .post('/orders/:orderId/cancel', CancelOrder, { ifMatch: 'expectedVersion' })
    .get('/sales/daily', GetDailySales) // ?from=2026-12-01&to=2026-12-31
    .get('/journeys/:correlationId', GetJourney);
// #endregion

/**
 * The HTTP edge of an orders app built with `createTenantOrdersApp`.
 * @example
 * const api = ordersApi(app, { jwt: { secret, issuer: 'https://id.example.com/', audience: 'orders' } });
 * const served = await serve(api, { port: 8080 });
 */
export function ordersApi(app: WhizbangApp, options: OrdersApiOptions): ReturnType<typeof httpApi> {
  // #region edge
  return httpApi(app, {
    routes: ordersRoutes,
    auth: [jwtAuth(options.jwt)], // HS256: { secret, issuer, audience }
    tenant: { from: ['credentials', 'header'], required: true },
    errorStatus: ruleViolationStatus, // ORDER_NOT_FOUND → 404, ORDER_NOT_PENDING → 409...
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    openapi: { title: 'Orders', version: '1' },
    ...(options.onServerError !== undefined && { onServerError: options.onServerError }),
    ...(options.metrics !== undefined && { metrics: options.metrics }),
  });
  // #endregion
}
