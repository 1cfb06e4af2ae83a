/**
 * One valid request per route of the orders API, who may send it, and what another tenant and
 * another customer get from it. The suites run over every route of `ordersRoutes`, and fail for
 * a route missing here: a new route is covered by adding its case.
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

interface CaseBase {
  /** A well-formed request about the tenant's own customer, product and order. */
  readonly sample: (ids: TenantIds) => RequestSample;
  /**
   * What another tenant's admin gets when it names these ids: `not-found` (404), or `own` for
   * routes that only ever touch the caller's tenant whatever the ids say (creating its own
   * customer with an id that happens to be taken elsewhere, listing its own orders).
   */
  readonly otherTenant: 'not-found' | 'own';
}

/** For the back office only (`roles: ['admin']`): a customer's token gets 403, whoever's ids it names. */
interface AdminCase extends CaseBase {
  readonly caller: 'admin';
}

/** For customers too (`roles: ['customer']`, `sub` their customer id); an admin may call it as well. */
interface CustomerCase extends CaseBase {
  readonly caller: 'customer';
  /**
   * What another customer of the same tenant gets naming the ids: `not-found` (404, as if
   * there were nothing: a read of another's things), `forbidden` (403: acting for another
   * customer, decided on the id alone), or `shared` (200: the catalogue is everyone's).
   */
  readonly otherCustomer: 'not-found' | 'forbidden' | 'shared';
}

export type RouteCase = AdminCase | CustomerCase;

export const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  'POST /customers': {
    sample: ({ customerId }) => ({
      params: {},
      body: { customerId, name: 'Ada of Acme', creditLimitCents: 1_000_00 },
    }),
    otherTenant: 'own',
    caller: 'admin',
  },
  'GET /customers/:customerId': {
    sample: ({ customerId }) => ({ params: { customerId } }),
    otherTenant: 'not-found',
    caller: 'customer',
    otherCustomer: 'not-found',
  },
  'GET /customers/:customerId/orders': {
    sample: ({ customerId }) => ({ params: { customerId }, query: { status: 'pending', limit: '10' } }),
    otherTenant: 'not-found',
    caller: 'customer',
    otherCustomer: 'not-found',
  },
  'POST /products': {
    sample: ({ productId }) => ({
      params: {},
      body: { productId, name: 'Acme anvil', priceCents: 25_00, stock: 10 },
    }),
    otherTenant: 'own',
    caller: 'admin',
  },
  'GET /products/:productId': {
    sample: ({ productId }) => ({ params: { productId } }),
    otherTenant: 'not-found',
    caller: 'customer',
    otherCustomer: 'shared',
  },
  'GET /products': {
    sample: () => ({ params: {}, query: { inStock: 'true', limit: '10' } }),
    otherTenant: 'own',
    caller: 'customer',
    otherCustomer: 'shared',
  },
  'POST /products/:productId/stock': {
    sample: ({ productId }) => ({ params: { productId }, body: { quantity: 5 } }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'GET /products/:productId/sales': {
    sample: ({ productId }) => ({ params: { productId } }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'POST /orders': {
    sample: ({ orderId, customerId, productId }) => ({
      params: {},
      body: { orderId, customerId, items: [{ productId, quantity: 1 }] },
    }),
    otherTenant: 'not-found',
    caller: 'customer',
    otherCustomer: 'forbidden',
  },
  'GET /orders': {
    sample: ({ customerId }) => ({ params: {}, query: { customerId, status: 'pending', limit: '10' } }),
    otherTenant: 'own',
    caller: 'admin',
  },
  'GET /orders/:orderId': {
    sample: ({ orderId }) => ({ params: { orderId } }),
    otherTenant: 'not-found',
    caller: 'customer',
    otherCustomer: 'not-found',
  },
  'POST /orders/:orderId/confirm': {
    sample: ({ orderId }) => ({ params: { orderId }, body: {} }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'POST /orders/:orderId/ship': {
    sample: ({ orderId }) => ({ params: { orderId }, body: { trackingNumber: '1Z-0001' } }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'POST /orders/:orderId/deliver': {
    sample: ({ orderId }) => ({ params: { orderId }, body: {} }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'POST /orders/:orderId/cancel': {
    sample: ({ orderId }) => ({ params: { orderId }, body: { reason: 'changed my mind' } }),
    otherTenant: 'not-found',
    caller: 'admin',
  },
  'GET /sales/daily': {
    sample: () => {
      const today = new Date().toISOString().slice(0, 10);
      return { params: {}, query: { from: today, to: today } };
    },
    otherTenant: 'own',
    caller: 'admin',
  },
  'GET /journeys/:correlationId': {
    // `seedTenant` places the order with the order id as the request's correlation id.
    sample: ({ orderId }) => ({ params: { correlationId: orderId } }),
    otherTenant: 'not-found',
    caller: 'admin',
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
