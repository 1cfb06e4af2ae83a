/**
 * Bearer tokens as the service's identity provider would sign them: HS256 with the shared
 * secret, the tenant in `tenant_id`, the caller in `sub` and their roles in `roles`: a
 * customer's `sub` is their customer id and their role `customer`; the back office's role is
 * `admin`. For the demo tokens `npm start` prints and for `npm run load`; a real deployment gets
 * its tokens from its identity provider.
 */
import { SignJWT } from 'jose';
import { ADMIN_ROLE, CUSTOMER_ROLE } from '../app/roles.js';
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
 * const token = await signToken(jwt, { tenantId: 'acme', subject: 'ada', roles: ['customer'] });
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

/**
 * A customer's token: `sub` is the customer id, so the customer reads and orders as themselves.
 * @example
 * const ada = await customerToken(jwt, { tenantId: 'acme', customerId: 'ada' });
 */
export function customerToken(
  jwt: OrdersJwtOptions,
  customer: { readonly tenantId: string; readonly customerId: string; readonly expiresIn?: string },
): Promise<string> {
  const { tenantId, customerId, expiresIn } = customer;
  return signToken(jwt, {
    tenantId,
    subject: customerId,
    roles: [CUSTOMER_ROLE],
    ...(expiresIn !== undefined && { expiresIn }),
  });
}

/**
 * The tenant's back office: `<tenant>-admin`, with the admin role.
 * @example
 * const admin = await adminToken(jwt, { tenantId: 'acme' });
 */
export function adminToken(
  jwt: OrdersJwtOptions,
  admin: { readonly tenantId: string; readonly expiresIn?: string },
): Promise<string> {
  const { tenantId, expiresIn } = admin;
  return signToken(jwt, {
    tenantId,
    subject: `${tenantId}-admin`,
    roles: [ADMIN_ROLE],
    ...(expiresIn !== undefined && { expiresIn }),
  });
}
