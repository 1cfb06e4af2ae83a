/**
 * A client of the orders service for the HTTP suites: tokens signed like the identity provider
 * would (and tampered with, like an attacker would), requests over real HTTP, problem checks.
 */
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import type { OrdersJwtOptions } from '../routes.js';

export const JWT = {
  secret: 'orders-e2e-secret-of-at-least-32-bytes!',
  issuer: 'https://id.orders.test/',
  audience: 'orders',
} as const satisfies OrdersJwtOptions;

export interface TokenOptions {
  readonly tenant?: string | undefined;
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch, or a span such as '5m' (default). */
  readonly expiresAt?: number | string;
  readonly subject?: string;
  /** The `roles` claim (default none: a token that may send nothing). */
  readonly roles?: readonly string[];
}

/** A bearer token for `tenant` (its `tenant_id` claim), valid unless told otherwise. */
export function token(options: TokenOptions = {}): Promise<string> {
  const tenant = 'tenant' in options ? options.tenant : 'acme';
  return new SignJWT({
    ...(tenant !== undefined && { tenant_id: tenant }),
    ...(options.roles !== undefined && { roles: [...options.roles] }),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.subject ?? 'nobody-1')
    .setIssuer(options.issuer ?? JWT.issuer)
    .setAudience(options.audience ?? JWT.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? JWT.secret));
}

/** A customer's token, as the identity provider signs it: `sub` is the customer id. */
export const customerToken = (tenant: string, customerId: string): Promise<string> =>
  token({ tenant, subject: customerId, roles: ['customer'] });

/** The tenant's back office: the admin role. */
export const adminToken = (tenant: string): Promise<string> =>
  token({ tenant, subject: `${tenant}-admin`, roles: ['admin'] });

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Tokens that must never get in: each with the reason the edge gives. */
export async function tamperedTokens(): Promise<(readonly [what: string, token: string, reason: string])[]> {
  const good = await token();
  const [header, payload, signature] = good.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return [
    [
      'alg none',
      `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      "the token's algorithm is not accepted",
    ],
    [
      'a payload edited to another tenant',
      `${header}.${base64url({ ...claims, tenant_id: 'globex' })}.${signature}`,
      'the token signature does not verify',
    ],
    [
      'a wrong key',
      await token({ secret: 'not-the-orders-secret-but-32-bytes-long' }),
      'the token signature does not verify',
    ],
    ['a wrong audience', await token({ audience: 'billing' }), "the token's aud claim is not accepted"],
    [
      'a wrong issuer',
      await token({ issuer: 'https://evil.test/' }),
      "the token's iss claim is not accepted",
    ],
    ['a past exp', await token({ expiresAt: Math.floor(Date.now() / 1000) - 120 }), 'the token has expired'],
    ['garbage', 'not.a.jwt', 'the token is malformed'],
  ];
}

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly token?: string;
  /** JSON-encoded unless a string (sent as is). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends one request over HTTP. */
export function call(baseUrl: string, request: Call): Promise<Response> {
  const { method, path, token: bearer, body, headers = {} } = request;
  return fetch(baseUrl + path, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/**
 * Asserts a problem+json answer with `status` and `code` (a code, or a matcher such as
 * `expect.stringMatching(/NOT_FOUND$/)`) and nothing internal in it.
 */
export async function expectProblem(
  response: Response,
  status: number,
  code: unknown,
): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code });
  expect(problem['correlationId']).toEqual(expect.any(String));
  // No stack, no source paths, no SQL.
  expect(text).not.toMatch(/\bat .*\.(ts|js|mjs):\d+|node_modules|\/work\/|\bSELECT\b|\bINSERT\b/);
  expect(problem).not.toHaveProperty('stack');
  return problem;
}
