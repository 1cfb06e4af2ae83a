/**
 * API keys for service-to-service calls: a key in `X-Api-Key` names a principal (and maybe a
 * tenant). Keys are held as SHA-256 digests and looked up by digest, so the comparison never
 * runs over the secret itself and a memory dump shows no key.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '@whizbang/core';
import { HttpProblem } from '../problem.js';
import type { Authenticator, Identity } from './authenticator.js';

export interface ApiKeyGrant {
  readonly principal: Principal;
  readonly tenantId?: string;
}

export interface ApiKeyAuthOptions {
  /** Key → who it is. Give keys, or `sha256:<hex>` digests of them to keep keys out of config. */
  readonly keys: Readonly<Record<string, ApiKeyGrant>>;
  /** The header carrying the key (default `x-api-key`). */
  readonly header?: string;
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** `X-Api-Key: <key>`. */
export function apiKeyAuth(options: ApiKeyAuthOptions): Authenticator {
  const header = (options.header ?? 'x-api-key').toLowerCase();
  const grants = new Map<string, ApiKeyGrant>();
  for (const [key, grant] of Object.entries(options.keys)) {
    if (key.length < 16 && !key.startsWith('sha256:'))
      throw new TypeError('apiKeyAuth: keys must be at least 16 characters');
    grants.set(key.startsWith('sha256:') ? key.slice(7).toLowerCase() : digest(key), grant);
  }
  return {
    scheme: 'api-key',
    challenge: `ApiKey header="${header}"`,
    async authenticate(headers): Promise<Identity | undefined> {
      const key = headers.get(header);
      if (key === undefined) return undefined;
      const grant = grants.get(digest(key));
      if (!grant) throw new HttpProblem(401, 'WHIZBANG_UNAUTHENTICATED', 'the API key is not valid');
      return { principal: grant.principal, tenantId: grant.tenantId, scheme: 'api-key' };
    },
  };
}
