/**
 * Authentication schemes: each looks at a request and either finds no credentials of its kind
 * (`undefined`: the next scheme may), proves a principal, or refuses (throws `HttpProblem` 401).
 */
import type { Principal } from '@whizbang/core';

/** Who made a request, and the tenant their credentials bind them to, if any. */
export interface Identity {
  readonly principal: Principal;
  /** A tenant the credentials were issued for (a token claim, a key's tenant). */
  readonly tenantId?: string | undefined;
  /** The scheme that proved it: `bearer`, `api-key`. */
  readonly scheme: string;
}

export interface Authenticator {
  readonly scheme: string;
  /** The `WWW-Authenticate` challenge sent with a 401. */
  readonly challenge: string;
  authenticate(headers: { get(name: string): string | undefined }): Promise<Identity | undefined>;
}
