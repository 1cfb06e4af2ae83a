/**
 * Which tenant a request is for, from the sources the service trusts, in the order it gives:
 * the token's claim, the `X-Tenant-Id` header, the sub-domain, a path prefix. Credentials bound
 * to a tenant cannot be pointed at another one by a header or a URL: that is a 403, not a
 * silent switch.
 */
import { HttpProblem } from './problem.js';

export type TenantSource =
  | 'credentials'
  | 'header'
  | { readonly header: string }
  | { readonly subdomain: { readonly of: string } }
  | 'path';

export interface TenantOptions {
  /** Where to look, first match wins (default `['credentials', 'header']`). */
  readonly from?: readonly TenantSource[];
  /** Refuse requests with no tenant (default false: they run in the default tenant). */
  readonly required?: boolean;
}

/** Tenant ids: what fits a header, a host label and a URL segment unescaped. */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface TenantInputs {
  readonly credentials: string | undefined;
  readonly header: (name: string) => string | undefined;
  readonly host: string | undefined;
  /** The `:tenant` segment of a tenant-prefixed path. */
  readonly path: string | undefined;
}

function fromSource(source: TenantSource, inputs: TenantInputs): string | undefined {
  if (source === 'credentials') return inputs.credentials;
  if (source === 'header') return inputs.header('x-tenant-id');
  if (source === 'path') return inputs.path;
  if ('header' in source) return inputs.header(source.header.toLowerCase());
  const host = inputs.host?.split(':')[0]?.toLowerCase();
  const suffix = `.${source.subdomain.of.toLowerCase()}`;
  if (!host?.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return label.includes('.') ? undefined : label;
}

/**
 * The request's tenant, or undefined when none is given and none is required. Every source
 * that names one must name the same: a header or a URL disagreeing with the credentials is a
 * 403, two other sources disagreeing a 400.
 */
export function resolveTenant(options: TenantOptions, inputs: TenantInputs): string | undefined {
  const named = (options.from ?? ['credentials', 'header'])
    .map((source) => fromSource(source, inputs))
    .filter((value) => value !== undefined);
  const tenant = inputs.credentials ?? named[0];
  for (const value of named) {
    if (!TENANT_ID.test(value))
      throw new HttpProblem(400, 'WHIZBANG_VALIDATION', 'the tenant id is not valid', {
        issues: [{ message: 'must be 1-64 letters, digits, - or _', path: ['tenant'] }],
      });
    if (value === tenant) continue;
    if (inputs.credentials !== undefined)
      throw new HttpProblem(
        403,
        'WHIZBANG_CROSS_TENANT',
        'the request names a tenant its credentials are not for',
        {
          tenantId: inputs.credentials,
          requestedTenantId: value,
        },
      );
    throw new HttpProblem(400, 'WHIZBANG_VALIDATION', 'the request names two different tenants', {
      issues: [{ message: `'${tenant}' and '${value}' disagree`, path: ['tenant'] }],
    });
  }
  if (tenant === undefined && options.required)
    throw new HttpProblem(400, 'WHIZBANG_TENANT_REQUIRED', 'the request names no tenant');
  return tenant;
}
