/**
 * The HTTP edge of a Whizbang app: a Hono app serving the route table, with request and
 * correlation ids, CORS, body limits, authentication, tenant resolution, rate limits,
 * problem+json errors, health and the OpenAPI document. Every request becomes one `send` or
 * `query` on the app, carrying the principal, the tenant and the correlation id.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import {
  isForbiddenError,
  type CommandDefinition,
  type Principal,
  type QueryDefinition,
  type WhizbangApp,
} from '@whizbang/core';
import type { Authenticator, Identity } from './auth/authenticator.js';
import { bindData } from './binding.js';
import { readiness, readinessChecks, type HealthOptions } from './health.js';
import { openApiDocument, type OpenApiInfo } from './openapi.js';
import { HttpProblem, toProblem } from './problem.js';
import { enforce, TokenBuckets, type RateLimitOptions } from './rate-limit.js';
import { CORRELATION_ID_HEADER, idFrom, REQUEST_ID_HEADER } from './request-ids.js';
import { RouteTable, type Route } from './routes.js';
import { resolveTenant, type TenantOptions } from './tenant.js';
import { tracedRoute } from './traced-route.js';

export interface HttpApiOptions {
  /** Declares the routes: `(r) => r.post('/orders', PlaceOrder, { status: 201 })`. */
  readonly routes: (routes: RouteTable) => void;
  /** Credentials accepted, tried in order (JWT, API keys). Without any, every route is public. */
  readonly auth?: readonly Authenticator[];
  readonly tenant?: TenantOptions;
  /** The tenant-prefixed form of every route, for `tenant.from: ['path']` (default `/tenants`). */
  readonly tenantPathPrefix?: string;
  readonly rateLimit?: RateLimitOptions;
  /** Hono's CORS options; off unless given. */
  readonly cors?: Parameters<typeof cors>[0];
  /** The largest request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  readonly health?: HealthOptions;
  /** Serve the OpenAPI document at `/openapi.json` (default: on, titled by the service). */
  readonly openapi?: OpenApiInfo | false;
  /** Statuses for the application's own errors, by whatever they carry (say a `code`). */
  readonly errorStatus?: (error: unknown) => number | undefined;
  /** Told of every 5xx with its error (default: an error line through the app's logger). */
  readonly onServerError?: (error: unknown, ids: { requestId: string; correlationId: string }) => void;
  /**
   * Serves metrics for scraping, e.g. `prometheusMetrics().handler` from `@whizbang/otel`, at
   * `path` (default `/metrics`), without authentication unless `public: false`.
   */
  readonly metrics?: {
    readonly handler: () => Promise<{ readonly contentType: string; readonly body: string }>;
    readonly path?: string;
    readonly public?: boolean;
  };
}

interface EdgeVariables {
  requestId: string;
  correlationId: string;
  identity: Identity | undefined;
}

type EdgeContext = Context<{ Variables: EdgeVariables }>;

const NO_CONTENT_STATUSES = new Set([204, 205, 304]);

/** The one answer for "no such thing": an unknown path, a query's null, a hidden denial. */
const notFound = () => new HttpProblem(404, 'WHIZBANG_NOT_FOUND', 'no such resource');

/**
 * Builds the HTTP edge. Serve it with `serve(api, { port })`, or mount `api.fetch` anywhere
 * that speaks the Fetch API.
 * @example
 * const api = httpApi(app, {
 *   auth: [jwtAuth({ jwks, issuer, audience: 'orders' })],
 *   tenant: { from: ['credentials', 'header'], required: true },
 *   routes: (r) => r.post('/orders', PlaceOrder, { status: 201 }).get('/orders/:orderId', GetOrder),
 * });
 */
export function httpApi(app: WhizbangApp, options: HttpApiOptions): Hono<{ Variables: EdgeVariables }> {
  const table = new RouteTable();
  options.routes(table);
  const authenticators = options.auth ?? [];
  const secured = authenticators.length > 0;
  const tenantOptions = options.tenant ?? {};
  const principalBuckets =
    options.rateLimit?.perPrincipal &&
    new TokenBuckets(options.rateLimit.perPrincipal, options.rateLimit.maxKeys);
  const tenantBuckets =
    options.rateLimit?.perTenant && new TokenBuckets(options.rateLimit.perTenant, options.rateLimit.maxKeys);
  const onServerError =
    options.onServerError ??
    ((error, ids) =>
      app.logger.error({ event: 'whizbang.http.server_error', err: error, ...ids }, 'request failed'));
  const traced = tracedRoute(app.telemetry, (c, error) => fail(c, error));
  const api = new Hono<{ Variables: EdgeVariables }>();

  const fail = (c: EdgeContext, error: unknown): Response => {
    if (c.get('requestId') === undefined) identify(c);
    const requestId = c.get('requestId');
    const correlationId = c.get('correlationId');
    const { problem, headers } = toProblem(error, {
      instance: new URL(c.req.url).pathname,
      requestId,
      correlationId,
      conditional: c.req.header('if-match') !== undefined,
      statusOf: options.errorStatus,
    });
    if (problem.status >= 500) onServerError(error, { requestId, correlationId });
    return new Response(JSON.stringify(problem), {
      status: problem.status,
      headers: {
        'content-type': 'application/problem+json',
        [REQUEST_ID_HEADER]: requestId,
        [CORRELATION_ID_HEADER]: correlationId,
        ...headers,
      },
    });
  };

  // The ids of a request, echoed on its response. A step of each handler rather than a
  // middleware: one less promise in the chain of every request.
  const identify = (c: EdgeContext): void => {
    const requestId = idFrom(c.req.header(REQUEST_ID_HEADER));
    const correlation = c.req.header(CORRELATION_ID_HEADER);
    const correlationId = correlation === undefined ? requestId : idFrom(correlation);
    c.set('requestId', requestId);
    c.set('correlationId', correlationId);
    // Set before the response exists, so it is made with them: headers added to a finished
    // response make Node's adapter build a full Response object per request.
    c.header(REQUEST_ID_HEADER, requestId);
    c.header(CORRELATION_ID_HEADER, correlationId);
  };
  const withIds =
    <R>(handler: (c: EdgeContext) => R) =>
    (c: EdgeContext): R => {
      identify(c);
      return handler(c);
    };
  api.onError((error, c) => fail(c, error));
  api.notFound((c) => fail(c, notFound()));
  if (options.cors) api.use(cors(options.cors));
  // Only where a body is read: asking a GET for its body makes the adapter build a full Request.
  api.on(
    ['POST', 'PUT', 'PATCH'],
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: () => {
        throw new HttpProblem(413, 'WHIZBANG_PAYLOAD_TOO_LARGE', 'the request body is too large');
      },
    }),
  );

  if (options.metrics) {
    const { handler, path = '/metrics' } = options.metrics;
    api.get(
      path,
      withIds(async (c) => {
        if (options.metrics?.public === false) await authenticate(c, { options: {} } as Route);
        const { contentType, body } = await handler();
        return c.body(body, 200, { 'content-type': contentType });
      }),
    );
  }

  const checks = readinessChecks(app, options.health);
  api.get(
    '/health/live',
    withIds((c) => c.json({ status: 'pass' })),
  );
  api.get(
    '/health/ready',
    withIds(async (c) => {
      const report = await readiness(checks, options.health?.timeoutMs);
      return c.json(report, report.status === 'pass' ? 200 : 503);
    }),
  );
  if (options.openapi !== false) {
    const document = openApiDocument(
      table.routes,
      options.openapi ?? { title: app.messaging?.service ?? 'Whizbang service', version: '1' },
      secured,
    );
    api.get(
      '/openapi.json',
      withIds((c) => c.json(document)),
    );
  }

  const authenticate = async (c: EdgeContext, route: Route): Promise<Identity | undefined> => {
    for (const authenticator of authenticators) {
      const identity = await authenticator.authenticate({ get: (name) => c.req.header(name) });
      if (identity) return identity;
    }
    if (secured && !route.options.public)
      throw new HttpProblem(
        401,
        'WHIZBANG_UNAUTHENTICATED',
        'credentials are required',
        {},
        {
          'www-authenticate': authenticators.map((a) => a.challenge).join(', '),
        },
      );
    return undefined;
  };

  const handle = (route: Route) => async (c: EdgeContext) => {
    identify(c);
    const identity = await authenticate(c, route);
    const tenantId = resolveTenant(tenantOptions, {
      credentials: identity?.tenantId,
      header: (name) => c.req.header(name),
      host: c.req.header('host'),
      path: c.req.param('whizbangTenant'),
    });
    enforce(principalBuckets, identity?.principal.id, 'principal');
    enforce(tenantBuckets, tenantId, 'tenant');
    const data = await bindData(route, {
      method: route.method,
      params: c.req.param() as Record<string, string>,
      query: c.req.queries(),
      contentType: c.req.header('content-type'),
      text: () => c.req.text(),
      ifMatch: c.req.header('if-match'),
    });
    const dispatch = {
      correlationId: c.get('correlationId'),
      ...(tenantId !== undefined && { tenantId }),
      ...(identity && { principal: identity.principal satisfies Principal }),
    };
    const { definition } = route;
    let result: unknown;
    try {
      result =
        definition.kind === 'query'
          ? await app.query((definition as QueryDefinition)(data), dispatch)
          : await app.send((definition as CommandDefinition)(data), dispatch);
    } catch (error) {
      if (route.options.deniedAsNotFound === true && isForbiddenError(error)) throw notFound();
      throw error;
    }
    return respond(c, route, result);
  };

  for (const route of table.routes) {
    api.on(route.method.toUpperCase(), route.path, traced(route.path, handle(route)));
    if (tenantOptions.from?.includes('path')) {
      const path = `${options.tenantPathPrefix ?? '/tenants'}/:whizbangTenant${route.path}`;
      api.on(route.method.toUpperCase(), path, traced(path, handle(route)));
    }
  }
  return api;
}

function respond(c: EdgeContext, route: Route, result: unknown): Response {
  const { options } = route;
  if (route.definition.kind === 'query' && (options.notFound ? options.notFound(result) : result == null))
    throw notFound();
  const version = options.etag
    ? options.etag(result)
    : typeof (result as { version?: unknown } | null)?.version === 'number'
      ? (result as { version: number }).version
      : undefined;
  if (version !== undefined) c.header('etag', `"${version}"`);
  if (options.location) c.header('location', options.location(result));
  if (result === undefined) return c.body(null, 204);
  const status = options.status ?? 200;
  if (NO_CONTENT_STATUSES.has(status)) return c.body(null, status as 204);
  return c.json(result as object, status as 200);
}
