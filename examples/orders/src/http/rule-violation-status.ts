/**
 * HTTP statuses for the domain's refusals. The domain knows nothing of HTTP; this is the one
 * place its stable codes meet statuses.
 */
import { isRuleViolation } from '../domain/rule-violation.js';

/**
 * 404 for what does not exist (in the caller's tenant: another tenant's order is simply not
 * there), 409 for a rule the current state refuses (not pending, insufficient stock...).
 */
export function ruleViolationStatus(error: unknown): number | undefined {
  if (!isRuleViolation(error)) return undefined;
  return error.code.endsWith('_NOT_FOUND') ? 404 : 409;
}
