/**
 * Permissions: what a principal may do, as strings like `orders:place`. A principal holds them
 * itself or through its roles (the app's role map). A grant may be a wildcard: `*` grants
 * everything, `orders:*` everything under `orders:`. Required permissions are never wildcards.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import type { Principal } from '../messages/envelope.js';

/**
 * The permissions each role grants.
 * @example
 * const roles: RoleMap = { admin: ['*'], clerk: ['orders:place', 'orders:read'], auditor: ['orders:*'] };
 */
export type RoleMap = Readonly<Record<string, readonly string[]>>;

/** A set of grants, compiled for matching: exact names, prefixes of `x:*`, and `*`. */
interface Grants {
  readonly all: boolean;
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

const NO_GRANTS: Grants = { all: false, exact: new Set(), prefixes: [] };

/** Why `grant` is not a valid grant, or undefined when it is. */
function grantProblem(grant: unknown): string | undefined {
  if (typeof grant !== 'string' || grant.trim() === '') return 'must be a non-empty string';
  if (/\s/.test(grant)) return 'must not contain spaces';
  const star = grant.indexOf('*');
  if (star >= 0 && grant !== '*' && (!grant.endsWith(':*') || star !== grant.length - 1))
    return "may use '*' only alone or as a last ':*' segment";
  return undefined;
}

/**
 * Why `permission` cannot be required, or undefined when it can: a handler requires a
 * precise permission, never a wildcard.
 */
export function permissionProblem(permission: unknown): string | undefined {
  if (typeof permission !== 'string' || permission.trim() === '') return 'must be a non-empty string';
  if (/\s/.test(permission)) return 'must not contain spaces';
  if (permission.includes('*')) return 'is a wildcard: a handler requires a precise permission';
  return undefined;
}

function compile(grants: readonly string[]): Grants {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  let all = false;
  for (const grant of grants) {
    if (grant === '*') all = true;
    else if (grant.endsWith(':*')) prefixes.push(grant.slice(0, -1));
    else exact.add(grant);
  }
  return { all, exact, prefixes };
}

function grantsAllow(grants: Grants, permission: string): boolean {
  if (grants.all || grants.exact.has(permission)) return true;
  for (const prefix of grants.prefixes) if (permission.startsWith(prefix)) return true;
  return false;
}

/** Whether one grant (from a principal's own list) covers `permission`. */
function grantAllows(grant: unknown, permission: string): boolean {
  if (grant === permission || grant === '*') return true;
  return typeof grant === 'string' && grant.endsWith(':*') && permission.startsWith(grant.slice(0, -1));
}

/**
 * The app's roles, checked once and compiled, so a check walks sets rather than parsing grants.
 * @throws ValidationError for a role map that is not an object of grant lists.
 */
export class RoleGrants {
  readonly #roles = new Map<string, Grants>();

  constructor(roles: RoleMap = {}) {
    if (roles === null || typeof roles !== 'object' || Array.isArray(roles))
      throw new ValidationError(
        [{ message: 'must be an object of role names to permission lists', path: ['roles'] }],
        'authorization',
      );
    const issues: ValidationIssue[] = [];
    for (const [role, grants] of Object.entries(roles)) {
      if (!Array.isArray(grants)) {
        issues.push({ message: 'must be a list of permissions', path: ['roles', role] });
        continue;
      }
      grants.forEach((grant: unknown, i) => {
        const problem = grantProblem(grant);
        if (problem !== undefined) issues.push({ message: problem, path: ['roles', role, i] });
      });
      this.#roles.set(role, compile(grants as readonly string[]));
    }
    if (issues.length > 0) throw new ValidationError(issues, 'authorization');
  }

  /**
   * Whether `principal` holds `permission`, itself or through one of its roles. Claims that
   * came from outside (a transport, a token) may be malformed: anything not a list grants nothing.
   */
  allows(principal: Principal, permission: string): boolean {
    const own = principal.permissions;
    if (Array.isArray(own)) for (const grant of own) if (grantAllows(grant, permission)) return true;
    const roles = principal.roles;
    if (Array.isArray(roles))
      for (const role of roles) if (grantsAllow(this.#roles.get(role) ?? NO_GRANTS, permission)) return true;
    return false;
  }
}
