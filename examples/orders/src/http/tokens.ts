/**
 * Bearer tokens as the service's identity provider would sign them: HS256 with the shared
 * secret, the tenant in `tenant_id`, the caller in `sub`, `roles: ['admin']` for an admin. For
 * the demo tokens `npm start` prints and for `npm run load`; a real deployment gets its tokens
 * from its identity provider.
 */
import { SignJWT } from 'jose';
import type { OrdersJwtOptions } from './routes.js';

export interface TokenFor {
  readonly tenantId: string;
  /** The caller: a customer id for a customer. */
  readonly subject: string;
  readonly roles?: readonly string[];
  /** A span such as '24h' (default). */
  readonly expiresIn?: string;
}

/**
 * @example
 * const token = await signToken(jwt, { tenantId: 'acme', subject: 'ada' });
 */
export function signToken(jwt: OrdersJwtOptions, token: TokenFor): Promise<string> {
  const secret = typeof jwt.secret === 'string' ? new TextEncoder().encode(jwt.secret) : jwt.secret;
  return new SignJWT({
    tenant_id: token.tenantId,
    ...(token.roles !== undefined && { roles: [...token.roles] }),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(token.subject)
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(token.expiresIn ?? '24h')
    .sign(secret);
}
