import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { definePolicy, handle, memoryStore, whizbang, type Store } from '@whizbang/core';
import { apiKeyAuth } from './auth/api-key.js';
import { jwtAuth } from './auth/jwt.js';
import { httpApi, type HttpApiOptions } from './http-api.js';
import { accountsApp, GetAccount, OpenAccount, RenameAccount } from './test-support/accounts.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const ISSUER = 'https://id.test/';
const AUDIENCE = 'accounts';
const key = new TextEncoder().encode(SECRET);

async function token(
  claims: Record<string, unknown> = {},
  options: { exp?: string | number; aud?: string; sub?: string } = {},
) {
  return new SignJWT({ tenant_id: 'acme', roles: ['clerk'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? 'u-1')
    .setIssuer(ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(key);
}

// #region routes
const routes: HttpApiOptions['routes'] = (r) =>
  r
    .post('/accounts', OpenAccount, { status: 201, location: (a) => `/accounts/${a.accountId}` })
    .put('/accounts/:accountId', RenameAccount, { ifMatch: 'expectedVersion' })
    .get('/accounts/:accountId', GetAccount)
    .group('/v2', (v2) => v2.get('/accounts/:accountId', GetAccount));
// #endregion

let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

function edge(options: Partial<HttpApiOptions> = {}) {
  const store = memoryStore();
  stores.push(store);
  const app = accountsApp(store);
  // #region edge
  const api = httpApi(app, {
    routes,
    auth: [jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE })],
    onServerError: () => undefined,
    ...options,
  });
  // #endregion
  return { store, app, api };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code });
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  expect(problem['correlationId']).toEqual(expect.any(String));
  return problem;
}

describe('httpApi', () => {
  it('maps commands and queries to routes, with ids echoed, Location and ETag', async () => {
    const { api } = edge();
    const auth = { authorization: `Bearer ${await token()}` };
    const created = await api.request(
      '/accounts',
      json({ accountId: 'a-1', owner: 'Ada' }, { ...auth, 'x-correlation-id': 'journey-1' }),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/accounts/a-1');
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('x-correlation-id')).toBe('journey-1');
    expect(created.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(await created.json()).toEqual({ accountId: 'a-1', version: 1 });
    const read = await api.request('/v2/accounts/a-1', { headers: auth });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(await read.json()).toEqual({ accountId: 'a-1', owner: 'Ada', version: 1 });
    await expectProblem(await api.request('/accounts/nobody', { headers: auth }), 404, 'WHIZBANG_NOT_FOUND');
    await expectProblem(await api.request('/nowhere', { headers: auth }), 404, 'WHIZBANG_NOT_FOUND');
  });

  it('carries stream versions in If-Match: a stale one is 412 with the actual version', async () => {
    const { api, store } = edge();
    const auth = { authorization: `Bearer ${await token()}` };
    await api.request('/accounts', json({ accountId: 'a-1', owner: 'Ada' }, auth));
    const put = (owner: string, ifMatch?: string) =>
      api.request('/accounts/a-1', {
        ...json({ owner }, { ...auth, ...(ifMatch && { 'if-match': ifMatch }) }),
        method: 'PUT',
      });
    // Two clients read version 1 and write at once: exactly one wins.
    const [first, second] = await Promise.all([put('Grace', '"1"'), put('Linus', '"1"')]);
    expect([first.status, second.status].toSorted((a, b) => a - b)).toEqual([200, 412]);
    const loser = first.status === 412 ? first : second;
    expect(await expectProblem(loser, 412, 'WHIZBANG_CONCURRENCY')).toMatchObject({
      stream: 'account-a-1',
      expected: 1,
      actual: 2,
      tenantId: 'acme',
    });
    const winner = first.status === 200 ? first : second;
    expect(winner.headers.get('etag')).toBe('"2"');
    await expectProblem(await put('Ken', 'not-a-tag'), 400, 'WHIZBANG_VALIDATION');
    // A body cannot claim a version: only If-Match sets it.
    const sneaky = await api.request('/accounts/a-1', {
      ...json({ owner: 'Ken', expectedVersion: 1 }, auth),
      method: 'PUT',
    });
    expect(sneaky.status).toBe(200);
    expect((await store.events.readStream('account-a-1', { tenantId: 'acme' })).version).toBe(3);
  });

  it('refuses bad input with a problem and writes nothing', async () => {
    const { api, store } = edge({ maxBodyBytes: 1_000 });
    const auth = { authorization: `Bearer ${await token()}` };
    const raw = (body: string, headers: Record<string, string> = {}) =>
      api.request('/accounts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth, ...headers },
        body,
      });
    await expectProblem(await raw('{"accountId": "a-1",'), 400, 'WHIZBANG_VALIDATION');
    await expectProblem(await raw('[1, 2]'), 400, 'WHIZBANG_VALIDATION');
    await expectProblem(await raw('{"accountId": 42, "owner": "Ada"}'), 400, 'WHIZBANG_VALIDATION');
    const unknown = await expectProblem(
      await raw('{"accountId": "a-1", "owner": "Ada", "isAdmin": true}'),
      400,
      'WHIZBANG_VALIDATION',
    );
    expect(unknown['issues']).toEqual([{ message: expect.stringContaining('isAdmin') }]);
    await expectProblem(
      await raw(JSON.stringify({ accountId: 'a-1', owner: 'x'.repeat(2_000) })),
      413,
      'WHIZBANG_PAYLOAD_TOO_LARGE',
    );
    await expectProblem(
      await raw('accountId=a-1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'WHIZBANG_UNSUPPORTED_MEDIA_TYPE',
    );
    for (const id of ['..%2F..%2Fetc%2Fpasswd', 'a%00b', 'a..b', '%2E%2E%2Fx'])
      await expectProblem(
        await api.request(`/accounts/${id}`, { headers: auth }),
        400,
        'WHIZBANG_VALIDATION',
      );
    // `/accounts/%2E%2E` is `/` once the URL is parsed: no route, nothing read.
    await expectProblem(await api.request('/accounts/%2E%2E', { headers: auth }), 404, 'WHIZBANG_NOT_FOUND');
    // The path names the account: the body may not point elsewhere.
    await expectProblem(
      await api.request('/accounts/a-1', {
        ...json({ accountId: 'a-2', owner: 'Eve' }, auth),
        method: 'PUT',
      }),
      400,
      'WHIZBANG_VALIDATION',
    );
    expect((await store.events.readHeadPosition()).position).toBe(0n);
  });

  it('rejects missing, tampered, expired and misdirected tokens with 401', async () => {
    const { api, store } = edge();
    const body = json({ accountId: 'a-1', owner: 'Ada' });
    const withToken = (value: string) =>
      api.request('/accounts', { ...body, headers: { ...body.headers, authorization: `Bearer ${value}` } });
    const problem = await expectProblem(
      await api.request('/accounts', body),
      401,
      'WHIZBANG_UNAUTHENTICATED',
    );
    expect(problem['detail']).toBe('credentials are required');
    const good = await token();
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', tenant_id: 'acme', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url')}.${signature}`;
    const otherKey = await new SignJWT({ tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!'));
    for (const [bad, why] of [
      [none, "the token's algorithm is not accepted"],
      [forged, 'the token signature does not verify'],
      [otherKey, 'the token signature does not verify'],
      [await token({}, { aud: 'billing' }), "the token's aud claim is not accepted"],
      [await token({}, { exp: Math.floor(Date.now() / 1000) - 120 }), 'the token has expired'],
      ['not.a.jwt', 'the token is malformed'],
    ] as const) {
      const response = await withToken(bad);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(await expectProblem(response, 401, 'WHIZBANG_UNAUTHENTICATED')).toMatchObject({ detail: why });
    }
    expect((await store.events.readHeadPosition()).position).toBe(0n);
  });

  it('remembers a verified token no longer than its exp', async () => {
    const { api } = edge({
      auth: [jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0 })],
    });
    const shortLived = await token({}, { exp: Math.floor(Date.now() / 1000) + 2 });
    const read = () => api.request('/accounts/a-1', { headers: { authorization: `Bearer ${shortLived}` } });
    expect((await read()).status).toBe(404); // verified, then remembered
    expect((await read()).status).toBe(404); // from the cache
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expectProblem(await read(), 401, 'WHIZBANG_UNAUTHENTICATED');
  });

  it('verifies RS256 and ES256 tokens against a JWKS, and takes API keys as a second scheme', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const jwks = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' },
      ],
    };
    const { api } = edge({
      auth: [
        jwtAuth({ jwks, issuer: ISSUER, audience: AUDIENCE }),
        apiKeyAuth({
          keys: { 'billing-service-key-0001': { principal: { id: 'billing' }, tenantId: 'acme' } },
        }),
      ],
    });
    for (const [alg, kid, privateKey] of [
      ['RS256', 'rsa-1', rsa.privateKey],
      ['ES256', 'ec-1', ec.privateKey],
    ] as const) {
      const signed = await new SignJWT({ tenant_id: 'acme' })
        .setProtectedHeader({ alg, kid })
        .setSubject('u-1')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey);
      const response = await api.request('/accounts/a-1', { headers: { authorization: `Bearer ${signed}` } });
      expect(response.status).toBe(404); // authenticated; there is no such account
    }
    // An HS256 token signed with the RSA public key as the secret: algorithm confusion.
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject('u-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    await expectProblem(
      await api.request('/accounts/a-1', { headers: { authorization: `Bearer ${confused}` } }),
      401,
      'WHIZBANG_UNAUTHENTICATED',
    );
    const byKey = await api.request(
      '/accounts',
      json({ accountId: 'a-9', owner: 'Billing' }, { 'x-api-key': 'billing-service-key-0001' }),
    );
    expect(byKey.status).toBe(201);
    await expectProblem(
      await api.request('/accounts/a-9', { headers: { 'x-api-key': 'billing-service-key-0002' } }),
      401,
      'WHIZBANG_UNAUTHENTICATED',
    );
  });

  it('fetches the issuer JWKS, caches it, and fetches it again when a token names a new key', async () => {
    const [first, second] = [await generateKeyPair('ES256'), await generateKeyPair('ES256')];
    const published = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'ES256' }];
    let fetches = 0;
    const issuer = createServer((_, response) => {
      fetches++;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = issuer.address() as { port: number };
      const { api } = edge({
        auth: [
          jwtAuth({
            jwks: `http://127.0.0.1:${port}/jwks.json`,
            issuer: ISSUER,
            audience: AUDIENCE,
            jwksCooldownMs: 0,
            verifiedCacheMs: 0,
          }),
        ],
      });
      const signed = (kid: string, signingKey: (typeof first)['privateKey']) =>
        new SignJWT({ tenant_id: 'acme' })
          .setProtectedHeader({ alg: 'ES256', kid })
          .setSubject('u-1')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(signingKey);
      const read = async (t: string) =>
        (await api.request('/accounts/a-1', { headers: { authorization: `Bearer ${t}` } })).status;
      expect(await read(await signed('k1', first.privateKey))).toBe(404);
      expect(await read(await signed('k1', first.privateKey))).toBe(404);
      expect(fetches).toBe(1); // cached
      // The issuer rotates to k2: a token naming it makes the set fetched again.
      published.push({ ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'ES256' });
      expect(await read(await signed('k2', second.privateKey))).toBe(404);
      expect(fetches).toBe(2);
      // A key the issuer never published is refused, whatever it signs.
      const stranger = await generateKeyPair('ES256');
      expect(await read(await signed('k3', stranger.privateKey))).toBe(401);
    } finally {
      issuer.close();
    }
  });

  it('resolves the tenant in the configured order and never lets a header move a token to another tenant', async () => {
    const { api, store } = edge({
      tenant: {
        from: ['credentials', 'header', { subdomain: { of: 'orders.test' } }, 'path'],
        required: true,
      },
    });
    const acme = { authorization: `Bearer ${await token()}` };
    const open = await api.request('/accounts', json({ accountId: 'a-1', owner: 'Ada' }, acme));
    expect(open.status).toBe(201);
    expect((await store.events.readStream('account-a-1', { tenantId: 'acme' })).version).toBe(1);
    // Tenant B's id through tenant A's token: refused, never data.
    await expectProblem(
      await api.request('/accounts/a-1', { headers: { ...acme, 'x-tenant-id': 'globex' } }),
      403,
      'WHIZBANG_CROSS_TENANT',
    );
    await expectProblem(
      await api.request('/tenants/globex/accounts/a-1', { headers: acme }),
      403,
      'WHIZBANG_CROSS_TENANT',
    );
    // Token without a tenant claim: the header, the sub-domain or the path names it.
    const anyTenant = { authorization: `Bearer ${await token({ tenant_id: undefined })}` };
    expect(
      (await api.request('/accounts/a-1', { headers: { ...anyTenant, 'x-tenant-id': 'acme' } })).status,
    ).toBe(200);
    expect(
      (await api.request('/accounts/a-1', { headers: { ...anyTenant, host: 'acme.orders.test' } })).status,
    ).toBe(200);
    expect((await api.request('/tenants/acme/accounts/a-1', { headers: anyTenant })).status).toBe(200);
    expect(
      (await api.request('/accounts/a-1', { headers: { ...anyTenant, 'x-tenant-id': 'globex' } })).status,
    ).toBe(404);
    await expectProblem(
      await api.request('/accounts/a-1', { headers: anyTenant }),
      400,
      'WHIZBANG_TENANT_REQUIRED',
    );
    await expectProblem(
      await api.request('/accounts/a-1', { headers: { ...anyTenant, 'x-tenant-id': '../acme' } }),
      400,
      'WHIZBANG_VALIDATION',
    );
  });

  it('limits requests per principal and per tenant with 429 and Retry-After', async () => {
    const { api } = edge({ rateLimit: { perPrincipal: { limit: 3, windowMs: 60_000 } } });
    const auth = { authorization: `Bearer ${await token()}` };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.request('/accounts/a-1', { headers: auth })).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await api.request('/accounts/a-1', { headers: auth });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectProblem(limited, 429, 'WHIZBANG_RATE_LIMITED');
    const other = { authorization: `Bearer ${await token({}, { sub: 'u-2' })}` };
    expect((await api.request('/accounts/a-1', { headers: other })).status).toBe(404);
  });

  it('limits per tenant across principals, and answers CORS preflights', async () => {
    const { api } = edge({
      rateLimit: { perTenant: { limit: 2, windowMs: 60_000 } },
      cors: { origin: 'https://shop.example', allowHeaders: ['authorization', 'content-type', 'if-match'] },
    });
    const statuses = [];
    for (const sub of ['u-1', 'u-2', 'u-3'])
      statuses.push(
        (
          await api.request('/accounts/a-1', {
            headers: { authorization: `Bearer ${await token({}, { sub })}` },
          })
        ).status,
      );
    expect(statuses).toEqual([404, 404, 429]);
    const preflight = await api.request('/accounts/a-1', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'if-match',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('if-match');
  });

  it('answers a denial of the authorization middleware with 403 and the reason', async () => {
    const store = memoryStore();
    stores.push(store);
    const guarded = whizbang({
      store,
      authorization: { roles: { clerk: ['accounts:read'] }, audit: () => undefined },
      handlers: [handle(GetAccount, () => null, { permissions: ['accounts:audit'] })],
    });
    const api = httpApi(guarded, {
      routes: (r) => r.get('/accounts/:accountId', GetAccount),
      auth: [jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE })],
    });
    const denied = await api.request('/accounts/a-1', {
      headers: { authorization: `Bearer ${await token()}` },
    });
    expect(await expectProblem(denied, 403, 'WHIZBANG_FORBIDDEN')).toMatchObject({
      principalId: 'u-1',
      tenantId: 'acme',
      messageType: 'GetAccount',
      permission: 'accounts:audit',
    });
  });

  it('answers a denial on a route with deniedAsNotFound as it answers a thing not there, and the app still audits it', async () => {
    const store = memoryStore();
    stores.push(store);
    const audited: string[] = [];
    const ownAccount = definePolicy<{ accountId: string }>('own account', (ctx) =>
      ctx.message.data.accountId.startsWith(`${ctx.principal.id}-`) ? true : "not the caller's account",
    );
    const guarded = whizbang({
      store,
      authorization: { audit: (denial) => void audited.push(`${denial.principalId} ${denial.policy}`) },
      handlers: [
        handle(
          GetAccount,
          ({ data }) => (data.accountId === 'u-1-main' ? null : { ...data, owner: 'x', version: 1 }),
          {
            policies: [ownAccount],
          },
        ),
      ],
    });
    const api = httpApi(guarded, {
      routes: (r) =>
        r
          .get('/accounts/:accountId', GetAccount, { deniedAsNotFound: true })
          .get('/v1/accounts/:accountId', GetAccount)
          .post('/accounts', OpenAccount, { deniedAsNotFound: true }),
      auth: [jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE })],
    });
    const get = async (path: string) =>
      api.request(path, { headers: { authorization: `Bearer ${await token()}` } });
    // Nothing tells them apart but what each request brought: its ids and its path.
    const comparable = ({
      instance: _i,
      correlationId: _c,
      requestId: _r,
      ...rest
    }: Record<string, unknown>) => rest;

    const absent = await expectProblem(await get('/accounts/u-1-main'), 404, 'WHIZBANG_NOT_FOUND');
    const hidden = await expectProblem(await get('/accounts/u-2-main'), 404, 'WHIZBANG_NOT_FOUND');
    expect(comparable(hidden)).toEqual(comparable(absent));
    expect(JSON.stringify(hidden)).not.toMatch(/own account|u-1|caller/);
    // Without the option, the same denial is the 403 that says why.
    expect(await expectProblem(await get('/v1/accounts/u-2-main'), 403, 'WHIZBANG_FORBIDDEN')).toMatchObject({
      policy: 'own account',
    });
    expect(audited).toEqual(['u-1 own account', 'u-1 own account']);
    // The OpenAPI document promises the 404 on a command route too.
    const document = (await (await api.request('/openapi.json')).json()) as Record<string, any>;
    expect(Object.keys(document['paths']['/accounts']['post'].responses)).toContain('404');
  });

  it('answers health and serves an OpenAPI 3.1 document from the schemas', async () => {
    const { api } = edge({ health: { checks: { broken: () => Promise.reject(new Error('down')) } } });
    expect(await (await api.request('/health/live')).json()).toEqual({ status: 'pass' });
    const ready = await api.request('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'fail',
      checks: { store: { status: 'pass' }, broken: { status: 'fail', error: 'down' } },
    });
    const document = (await (await api.request('/openapi.json')).json()) as Record<string, any>;
    expect(document['openapi']).toBe('3.1.0');
    const open = document['paths']['/accounts']['post'];
    expect(open.operationId).toBe('OpenAccount');
    expect(open.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['accountId', 'owner'],
      additionalProperties: false,
    });
    expect(document['paths']['/accounts/{accountId}']['put'].parameters).toContainEqual(
      expect.objectContaining({ name: 'If-Match', in: 'header' }),
    );
    expect(document['paths']['/v2/accounts/{accountId}']['get'].operationId).not.toBe('GetAccount');
    expect(document['components']['securitySchemes']['bearer']).toMatchObject({ scheme: 'bearer' });
  });

  it('hides unexpected errors behind a 500 that names the correlation id', async () => {
    const store = memoryStore();
    stores.push(store);
    const app = accountsApp(store);
    const seen: unknown[] = [];
    const api = httpApi(app, { routes, onServerError: (error) => seen.push(error) });
    await store.close(); // every store call now fails with an internal error
    const response = await api.request('/accounts/a-1', { headers: { 'x-correlation-id': 'c-42' } });
    const problem = await expectProblem(response, 500, 'WHIZBANG_INTERNAL');
    expect(problem['detail']).toBe('Something went wrong; quote correlation id c-42');
    expect(seen).toHaveLength(1);
  });
});
