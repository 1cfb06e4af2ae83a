/**
 * Bearer JWTs, verified with jose: HS256 with a shared secret, RS256/ES256 with a public key or
 * a JWKS endpoint (cached, and fetched again when a token names a key it has not seen, which is
 * how keys rotate). The accepted algorithms are always an explicit list, so `alg: none` and
 * algorithm confusion (an HS256 token signed with a public key) never verify.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import type { Principal } from '@whizbang/core';
import { HttpProblem } from '../problem.js';
import type { Authenticator, Identity } from './authenticator.js';

export interface JwtAuthOptions {
  /** HS256: the shared secret (at least 32 bytes). */
  readonly secret?: string | Uint8Array;
  /** RS256/ES256: a PEM public key (SPKI) or a key object. */
  readonly publicKey?: string | CryptoKey | KeyObject;
  /** RS256/ES256: the issuer's JWKS, as a URL to fetch (cached) or a key set. */
  readonly jwks?: string | URL | JSONWebKeySet;
  /** Required `iss`. */
  readonly issuer: string | readonly string[];
  /** Required `aud`. */
  readonly audience: string | readonly string[];
  /** Accepted algorithms (default: HS256 with a secret, RS256 and ES256 otherwise). */
  readonly algorithms?: readonly (
    'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'PS256'
  )[];
  /** Seconds of clock skew allowed on `exp` and `nbf` (default 30). */
  readonly clockToleranceSeconds?: number;
  /** Claims to principal (default: `sub` as id, `roles`, `permissions` or space-separated `scope`). */
  readonly principal?: (claims: JWTPayload) => Principal;
  /** The claim naming the token's tenant (default `tenant_id`). */
  readonly tenantClaim?: string;
  /** How long a fetched JWKS is trusted before it is fetched again (default 10 minutes). */
  readonly jwksCacheMaxAgeMs?: number;
  /**
   * The least time between two fetches of the JWKS (default 30 s): a token naming a key the set
   * lacks makes it fetched again (a rotation), but a flood of such tokens does not flood the issuer.
   */
  readonly jwksCooldownMs?: number;
  /**
   * Tokens verified recently are remembered (by their whole text, signature included) so a
   * client's next request skips the signature check, which WebCrypto runs off the main thread at
   * ~0.2 ms a token. Each is kept at most `verifiedCacheMs` (default 60 s, 0 turns the cache
   * off) and never past its `exp`: a key withdrawn from the JWKS stops working within that time.
   */
  readonly verifiedCacheMs?: number;
  /** The most tokens remembered (default 10,000). */
  readonly verifiedCacheSize?: number;
}

interface Verified {
  readonly identity: Identity;
  /** Until when the cache may answer for it, in ms since the epoch. */
  readonly until: number;
  /** `nbf`, in ms, if the token has one. */
  readonly notBefore: number | undefined;
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;

export function defaultPrincipal(claims: JWTPayload): Principal {
  const scope = typeof claims['scope'] === 'string' ? claims['scope'].split(' ').filter(Boolean) : undefined;
  const roles = strings(claims['roles']);
  const permissions = strings(claims['permissions']) ?? scope;
  return {
    id: claims.sub!,
    ...(roles && { roles }),
    ...(permissions && { permissions }),
    attributes: claims,
  };
}

function keyFor(options: JwtAuthOptions): {
  key: Promise<Uint8Array | CryptoKey | KeyObject> | JWTVerifyGetKey;
  algorithms: string[];
} {
  const sources = [options.secret, options.publicKey, options.jwks].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new TypeError('jwtAuth needs exactly one of secret, publicKey or jwks');
  if (options.secret !== undefined) {
    const secret =
      typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < 32) throw new TypeError('jwtAuth: an HS256 secret must be at least 32 bytes');
    return { key: Promise.resolve(secret), algorithms: [...(options.algorithms ?? ['HS256'])] };
  }
  const algorithms = [...(options.algorithms ?? ['RS256', 'ES256'])];
  if (algorithms.some((a) => a.startsWith('HS')))
    throw new TypeError('jwtAuth: HMAC algorithms need a secret, not a public key');
  if (options.publicKey !== undefined) {
    const pk = options.publicKey;
    return {
      key: typeof pk === 'string' ? importSPKI(pk, algorithms[0]!) : Promise.resolve(pk),
      algorithms,
    };
  }
  const jwks = options.jwks!;
  if (typeof jwks === 'object' && !(jwks instanceof URL)) return { key: createLocalJWKSet(jwks), algorithms };
  return {
    key: createRemoteJWKSet(new URL(jwks), {
      cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
    }),
    algorithms,
  };
}

/** Why a token was refused, in words a client can act on (never the key material). */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return 'the token is malformed';
  return 'the token cannot be verified';
}

/**
 * Bearer tokens in `Authorization`.
 * @example
 * jwtAuth({ jwks: 'https://id.example.com/.well-known/jwks.json', issuer: 'https://id.example.com/', audience: 'orders' })
 */
export function jwtAuth(options: JwtAuthOptions): Authenticator {
  const { key, algorithms } = keyFor(options);
  const toPrincipal = options.principal ?? defaultPrincipal;
  const tenantClaim = options.tenantClaim ?? 'tenant_id';
  const verifyOptions = {
    issuer: options.issuer as string | string[],
    audience: options.audience as string | string[],
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? 30,
    requiredClaims: ['sub', 'exp'],
  };
  const challenge = 'Bearer';
  const cacheMs = options.verifiedCacheMs ?? 60_000;
  const cacheSize = options.verifiedCacheSize ?? 10_000;
  const toleranceMs = verifyOptions.clockTolerance * 1000;
  const verified = new Map<string, Verified>();
  const remember = (token: string, identity: Identity, payload: JWTPayload) => {
    if (cacheMs <= 0) return;
    const until = Math.min(Date.now() + cacheMs, payload.exp! * 1000 + toleranceMs);
    verified.set(token, {
      identity,
      until,
      notBefore: payload.nbf === undefined ? undefined : payload.nbf * 1000 - toleranceMs,
    });
    if (verified.size > cacheSize) verified.delete(verified.keys().next().value!);
  };
  const recall = (token: string): Identity | undefined => {
    const hit = verified.get(token);
    if (!hit) return undefined;
    const now = Date.now();
    if (now >= hit.until || (hit.notBefore !== undefined && now < hit.notBefore)) {
      verified.delete(token);
      return undefined;
    }
    return hit.identity;
  };
  return {
    scheme: 'bearer',
    challenge,
    async authenticate(headers): Promise<Identity | undefined> {
      const header = headers.get('authorization');
      if (header === undefined) return undefined;
      const [kind, token, ...rest] = header.split(' ');
      if (kind?.toLowerCase() !== 'bearer') return undefined;
      const refuse = (why: string) =>
        new HttpProblem(
          401,
          'WHIZBANG_UNAUTHENTICATED',
          why,
          {},
          {
            'www-authenticate': `${challenge} error="invalid_token", error_description="${why}"`,
          },
        );
      if (!token || rest.length > 0) throw refuse('the bearer token is missing or malformed');
      const known = recall(token);
      if (known) return known;
      let payload: JWTPayload;
      try {
        const resolved = typeof key === 'function' ? key : await key;
        ({ payload } = await jwtVerify(token, resolved as Uint8Array, verifyOptions));
      } catch (error) {
        throw refuse(reason(error));
      }
      const tenant = payload[tenantClaim];
      const identity: Identity = {
        principal: toPrincipal(payload),
        tenantId: typeof tenant === 'string' ? tenant : undefined,
        scheme: 'bearer',
      };
      remember(token, identity, payload);
      return identity;
    },
  };
}
