/** A role-based policy: the principal must hold one of the roles. */
import { ValidationError } from '../errors/catalog.js';
import { definePolicy, type Policy } from './policy.js';

/**
 * Allows a principal that holds at least one of `roles`.
 * @example
 * handle(RefundOrder, refund, { policies: [requireRole('manager', 'admin')] });
 */
export function requireRole(...roles: readonly string[]): Policy {
  if (roles.length === 0 || roles.some((role) => typeof role !== 'string' || role.trim() === ''))
    throw new ValidationError(
      [{ message: 'needs at least one role, each a non-empty string', path: ['roles'] }],
      'requireRole',
    );
  const wanted = new Set(roles);
  const needed = roles.join(' or ');
  return definePolicy(`requireRole(${roles.join(', ')})`, (ctx) => {
    const held = ctx.principal.roles;
    if (Array.isArray(held) && held.some((role) => wanted.has(role))) return true;
    return `needs the role ${needed}`;
  });
}
