/**
 * Runs a Standard Schema and turns failures into one `ValidationError` listing every issue.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import type { StandardSchemaV1 } from './standard-schema.js';

function toIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  if (!issue.path || issue.path.length === 0) return { message: issue.message };
  const path = issue.path.map((segment) => {
    const key = typeof segment === 'object' ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
  return { message: issue.message, path };
}

function settle<T>(result: StandardSchemaV1.Result<T>, subject: string): T {
  if (result.issues) throw new ValidationError(result.issues.map(toIssue), subject);
  return result.value;
}

/**
 * Validates `value` against `schema` and returns the parsed output (schemas may transform).
 * Stays synchronous when the schema is, so the dispatch hot path does not pay for a promise.
 * @example
 * const data = await validateWith(PlaceOrderSchema, input, 'PlaceOrder');
 */
export function validateWith<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  subject: string,
): T | Promise<T> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) return result.then((r) => settle(r, subject));
  return settle(result, subject);
}
