/**
 * The security suite, over real HTTP, for every route of the orders API: tampered tokens,
 * malformed JSON, wrong types, unknown fields (mass assignment), huge bodies, ids that could
 * walk a path, the back office's routes called with a customer's token. Every refusal is a 4xx
 * problem with a stable code and nothing internal in it, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '@whizbang/http';
import { RegisterCustomer } from '../app/customers.js';
import { storeBackends } from './test-support/backends.js';
import { call, expectProblem, tamperedTokens, token, type Call } from './test-support/client.js';
import {
  caseOf,
  ordersApiRoutes,
  requestOf,
  ROUTE_CASES,
  routeKey,
  type TenantIds,
} from './test-support/route-cases.js';
import { seedTenant, startService, type RunningService, type SeededTenant } from './test-support/service.js';

/** The JSON of `body` with raw `members` added (keys an object literal cannot hold as its own). */
const withKeys = (body: object, members: string): string =>
  Object.keys(body).length === 0 ? `{${members}}` : `{${members},${JSON.stringify(body).slice(1)}`;

const EXAMPLE_IDS: TenantIds = { customerId: 'c-1', productId: 'p-1', orderId: 'o-1' };
const routes = ordersApiRoutes();
const withPathIds = routes.filter((route) => route.path.includes(':'));
const withBody = routes.filter((route) => route.method !== 'get');
const withQuery = routes.filter((route) => caseOf(route).sample(EXAMPLE_IDS).query !== undefined);
const withAdmin = routes.filter((route) => caseOf(route).caller === 'admin');

// Ids that pass the edge's path check but not the service's id format, and ids that walk paths.
const BAD_PATH_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2E%2E%2Fx',
  'a..b',
  'a%2Fb',
  'a%00b',
  'a%0Ab',
  '%3Cscript%3E',
  'a:b',
  '.hidden',
  'x'.repeat(201),
];

/** A value of another type than `value`'s, for the wrong-type cases. */
function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return { 0: value[0] };
  return 'not an object';
}

describe('the orders API covers every route in the security suites', () => {
  it('has a case for each route, and no case for a route it does not serve', () => {
    expect(routes.map(routeKey).toSorted()).toEqual(Object.keys(ROUTE_CASES).toSorted());
  });
});

describe.each(await storeBackends())('security of the orders API on $name', (backend) => {
  let service: RunningService;
  let ids: SeededTenant;
  beforeAll(async () => {
    service = await startService(backend);
    ids = await seedTenant(service.url, 'acme');
  });
  afterAll(() => service?.close());

  /** Sends each refused request, checks the problem, and that the log did not move. */
  async function expectRefused(
    requests: readonly (Call & { readonly status: number; readonly code: string })[],
  ): Promise<Record<string, unknown>[]> {
    const before = await service.head();
    const problems = [];
    for (const { status, code, ...request } of requests) {
      const response = await call(service.url, request);
      try {
        problems.push(await expectProblem(response, status, code));
      } catch (error) {
        throw new Error(`${request.method} ${request.path}: ${(error as Error).message}`, { cause: error });
      }
    }
    expect(problems).toHaveLength(requests.length);
    expect(await service.head()).toBe(before);
    return problems;
  }

  const valid = (route: Route) => requestOf(route, caseOf(route).sample(ids));
  /** A token of acme allowed to call `route`: the seeded customer's, or the admin's for the back office's routes. */
  const caller = (route: Route) => (caseOf(route).caller === 'admin' ? ids.admin : ids.customer);

  it.each(routes.map((route) => [routeKey(route), route] as const))(
    '%s: refuses missing and tampered tokens with 401',
    async (_, route) => {
      const request = valid(route);
      const tampered = await tamperedTokens();
      const problems = await expectRefused([
        { ...request, status: 401, code: 'WHIZBANG_UNAUTHENTICATED' },
        ...tampered.map(([, bad]) => ({
          ...request,
          token: bad,
          status: 401,
          code: 'WHIZBANG_UNAUTHENTICATED',
        })),
      ]);
      expect(problems.map((p) => p['detail'])).toEqual([
        'credentials are required',
        ...tampered.map(([, , reason]) => reason),
      ]);
      // A good token that names no tenant, with no X-Tenant-Id either: no tenant to run in.
      const tenantless = await token({ tenant: undefined });
      await expectRefused([{ ...request, token: tenantless, status: 400, code: 'WHIZBANG_TENANT_REQUIRED' }]);
    },
  );

  it('refuses a message without a tenant inside the app too, before anything is written', async () => {
    const before = await service.head();
    await expect(
      service.app.send(RegisterCustomer({ customerId: 'c-nobody', name: 'Nobody', creditLimitCents: 1 })),
    ).rejects.toMatchObject({ code: 'WHIZBANG_TENANT_REQUIRED', messageType: 'RegisterCustomer' });
    expect(await service.head()).toBe(before);
  });

  it.each(withPathIds.map((route) => [routeKey(route), route] as const))(
    '%s: refuses ids that are not ids, or walk a path, with 400',
    async (_, route) => {
      const sample = caseOf(route).sample(ids);
      const cases = Object.keys(sample.params).flatMap((name) =>
        BAD_PATH_IDS.map((bad) => ({
          name,
          request: {
            ...requestOf(route, { ...sample, params: { ...sample.params, [name]: bad } }),
            token: caller(route),
            status: 400,
            code: 'WHIZBANG_VALIDATION',
          },
        })),
      );
      const problems = await expectRefused(cases.map((c) => c.request));
      // Each refusal names the parameter at fault.
      const blamed = problems.map((p) => (p['issues'] as { path?: unknown[] }[] | undefined)?.[0]?.path?.[0]);
      expect(blamed).toEqual(cases.map((c) => c.name));
    },
  );

  it.each(withBody.map((route) => [routeKey(route), route] as const))(
    '%s: refuses malformed, mistyped, oversized and over-eager bodies',
    async (_, route) => {
      const sample = caseOf(route).sample(ids);
      const request = { ...requestOf(route, sample), token: caller(route) };
      const body = sample.body ?? {};
      const invalid = { status: 400, code: 'WHIZBANG_VALIDATION' };
      const problems = await expectRefused([
        { ...request, body: '{"reason": "half', ...invalid },
        { ...request, body: '[1, 2, 3]', ...invalid },
        { ...request, body: '"a string"', ...invalid },
        { ...request, body: 'null', ...invalid },
        ...Object.entries(body).map(([field, value]) => ({
          ...request,
          body: { ...body, [field]: wrongTypeFor(value) },
          ...invalid,
        })),
        { ...request, body: { ...body, isAdmin: true }, ...invalid },
        { ...request, body: { ...body, tenantId: 'globex' }, ...invalid },
        // Nested too: a line of an order may not bring its own price.
        ...Object.entries(body)
          .filter((entry): entry is [string, object[]] => Array.isArray(entry[1]))
          .map(([field, lines]) => ({
            ...request,
            body: { ...body, [field]: [{ ...lines[0], unitPriceCents: 1 }] },
            ...invalid,
          })),
        // Own `__proto__` and `constructor` keys, as JSON.parse makes them: prototype pollution.
        { ...request, body: withKeys(body, '"__proto__":{"isAdmin":true}'), ...invalid },
        { ...request, body: withKeys(body, '"constructor":{"prototype":{"isAdmin":true}}'), ...invalid },
        ...Object.keys(sample.params).map((name) => ({
          ...request,
          body: { ...body, [name]: `${sample.params[name]}-elsewhere` },
          ...invalid,
        })),
        {
          ...request,
          body: { ...body, padding: 'x'.repeat(100 * 1024) },
          status: 413,
          code: 'WHIZBANG_PAYLOAD_TOO_LARGE',
        },
        {
          ...request,
          body: 'reason=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          status: 415,
          code: 'WHIZBANG_UNSUPPORTED_MEDIA_TYPE',
        },
      ]);
      // Mass assignment: the unknown field is named, so the client knows what to drop.
      const named = problems.filter((p) => JSON.stringify(p['issues'] ?? '').includes('isAdmin'));
      expect(named.length).toBeGreaterThan(0);
    },
  );

  it.each(withQuery.map((route) => [routeKey(route), route] as const))(
    '%s: refuses unknown and mistyped query parameters',
    async (_, route) => {
      const sample = caseOf(route).sample(ids);
      const request = (query: Record<string, string>) => ({
        ...requestOf(route, { ...sample, query }),
        token: caller(route),
        status: 400,
        code: 'WHIZBANG_VALIDATION',
      });
      const problems = await expectRefused([
        request({ ...sample.query, isAdmin: 'true' }),
        request({ ...sample.query, limit: 'ten' }),
        request({ ...sample.query, limit: '100000' }),
        request({ ...sample.query, status: 'lost' }),
      ]);
      expect(JSON.stringify(problems[0]?.['issues'])).toContain('isAdmin');
    },
  );

  it.each(withAdmin.map((route) => [routeKey(route), route] as const))(
    "%s: refuses a customer's token with 403, before looking at what it sent",
    async (_, route) => {
      const sample = caseOf(route).sample(ids);
      // Past the edge's path check, not the service's id format: the app's schema would refuse it.
      const malformed = Object.fromEntries(Object.keys(sample.params).map((name) => [name, 'a:b']));
      const forbidden = { token: ids.customer, status: 403, code: 'WHIZBANG_FORBIDDEN' };
      const problems = await expectRefused([
        { ...valid(route), ...forbidden },
        { ...requestOf(route, { ...sample, params: malformed }), ...forbidden },
      ]);
      // Refused for the permission it lacks, before the schema looks at the id.
      expect(problems.map((p) => p['permission'])).toEqual([expect.any(String), expect.any(String)]);
    },
  );

  it('answers each sample query with 200, so the refusals above are about what was wrong with them', async () => {
    await service.app.waitForProjections(); // sales per product are built in the background
    await service.app.journeyRecorder?.flush(); // and journeys are written every 250 ms
    for (const route of routes.filter((r) => r.method === 'get')) {
      const response = await call(service.url, { ...valid(route), token: caller(route) });
      expect(`${routeKey(route)} ${response.status}`).toBe(`${routeKey(route)} 200`);
    }
  });
});
