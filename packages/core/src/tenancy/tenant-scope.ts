/**
 * The one rule every scoped port applies: a call that names no tenant gets the session's, a call
 * that names the session's goes through as is, and a call that names another is refused.
 */
import { CrossTenantAccessError } from '../errors/catalog.js';

type WithTenant<O> = O & { readonly tenantId: string };

/** `options` with the session's tenant filled in. @throws CrossTenantAccessError for another tenant. */
export function withTenant<O extends { readonly tenantId?: string | undefined }>(
  tenantId: string,
  options: O | undefined,
  operation: string,
): WithTenant<O> {
  const requested = options?.tenantId;
  if (requested === undefined) return { ...(options as O), tenantId };
  if (requested !== tenantId) throw new CrossTenantAccessError(tenantId, requested, operation);
  return options as WithTenant<O>;
}

/** Refuses a call that spans every tenant (or has no tenant at all) from a scoped session. */
export function refuse(tenantId: string, operation: string): never {
  throw new CrossTenantAccessError(tenantId, undefined, operation);
}
