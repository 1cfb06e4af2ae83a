/**
 * One valid request per route of the orders API, and what another tenant gets from it. The
 * suites run over every route of `ordersRoutes`, and fail for a route missing here: a new
 * route is covered by adding its case.
 */
import { RouteTable, type Route } from '@whizbang/http';
import { ordersRoutes } from '../routes.js';

/** A tenant's existing customer, product and order. */
export interface TenantIds {
  readonly customerId: string;
  readonly productId: string;
  readonly orderId: string;
}

export interface RequestSample {
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body (POST). */
  readonly body?: Readonly<Record<string, unknown>>;
  /** The query string (GET). */
  readonly query?: Readonly<Record<string, string>>;
}

export interface RouteCase {
  /** A well-formed request about the tenant's own customer, product and order. */
  readonly sample: (ids: TenantIds) => RequestSample;
  /**
   * What a token of another tenant gets when it names these ids: `not-found` (404), or `own`
   * for routes that only ever touch the caller's tenant whatever the ids say (creating its own
   * customer with an id that happens to be taken elsewhere, listing its own orders).
   */
  readonly otherTenant: 'not-found' | 'own';
  /** Only an admin may call it (`roles: ['admin']` in the token): the suites send an admin's token. */
  readonly admin?: boolean;
}

export const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  'POST /customers': {
    sample: ({ customerId }) => ({
      params: {},
      body: { customerId, name: 'Ada of Acme', creditLimitCents: 1_000_00 },
    }),
    otherTenant: 'own',
  },
  'GET /customers/:customerId': {
    sample: ({ customerId }) => ({ params: { customerId } }),
    otherTenant: 'not-found',
  },
  'GET /customers/:customerId/orders': {
    sample: ({ customerId }) => ({ params: { customerId }, query: { status: 'pending', limit: '10' } }),
    otherTenant: 'not-found',
  },
  'POST /products': {
    sample: ({ productId }) => ({
      params: {},
      body: { productId, name: 'Acme anvil', priceCents: 25_00, stock: 10 },
    }),
    otherTenant: 'own',
  },
  'GET /products/:productId': {
    sample: ({ productId }) => ({ params: { productId } }),
    otherTenant: 'not-found',
  },
  'POST /products/:productId/stock': {
    sample: ({ productId }) => ({ params: { productId }, body: { quantity: 5 } }),
    otherTenant: 'not-found',
  },
  'GET /products/:productId/sales': {
    sample: ({ productId }) => ({ params: { productId } }),
    otherTenant: 'not-found',
  },
  'POST /orders': {
    sample: ({ orderId, customerId, productId }) => ({
      params: {},
      body: { orderId, customerId, items: [{ productId, quantity: 1 }] },
    }),
    otherTenant: 'not-found',
  },
  'GET /orders': {
    sample: ({ customerId }) => ({ params: {}, query: { customerId, status: 'pending', limit: '10' } }),
    otherTenant: 'own',
  },
  'GET /orders/:orderId': {
    sample: ({ orderId }) => ({ params: { orderId } }),
    otherTenant: 'not-found',
  },
  'POST /orders/:orderId/confirm': {
    sample: ({ orderId }) => ({ params: { orderId }, body: {} }),
    otherTenant: 'not-found',
  },
  'POST /orders/:orderId/ship': {
    sample: ({ orderId }) => ({ params: { orderId }, body: { trackingNumber: '1Z-0001' } }),
    otherTenant: 'not-found',
  },
  'POST /orders/:orderId/deliver': {
    sample: ({ orderId }) => ({ params: { orderId }, body: {} }),
    otherTenant: 'not-found',
  },
  'POST /orders/:orderId/cancel': {
    sample: ({ orderId }) => ({ params: { orderId }, body: { reason: 'changed my mind' } }),
    otherTenant: 'not-found',
  },
  'GET /journeys/:correlationId': {
    // `seedTenant` places the order with the order id as the request's correlation id.
    sample: ({ orderId }) => ({ params: { correlationId: orderId } }),
    otherTenant: 'not-found',
    admin: true,
  },
};

/** Every route the orders API serves. */
export function ordersApiRoutes(): readonly Route[] {
  const table = new RouteTable();
  ordersRoutes(table);
  return table.routes;
}

export const routeKey = (route: Pick<Route, 'method' | 'path'>): string =>
  `${route.method.toUpperCase()} ${route.path}`;

/** The case of `route`; throws for a route without one. */
export function caseOf(route: Route): RouteCase {
  const found = ROUTE_CASES[routeKey(route)];
  if (!found) throw new Error(`No case for ${routeKey(route)}: add one to ROUTE_CASES`);
  return found;
}

/** The path with its parameters filled in, as given (already URL-encoded where they need it). */
export function pathOf(route: Pick<Route, 'path'>, params: Readonly<Record<string, string>>): string {
  return route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`No value for :${name} in ${route.path}`);
    return value;
  });
}

/** The request for `sample` on `route`: method, path with query string, body. */
export function requestOf(
  route: Route,
  sample: RequestSample,
): { method: string; path: string; body?: unknown } {
  const query = sample.query ? `?${new URLSearchParams(sample.query).toString()}` : '';
  return {
    method: route.method.toUpperCase(),
    path: pathOf(route, sample.params) + query,
    ...(sample.body !== undefined && { body: sample.body }),
  };
}
