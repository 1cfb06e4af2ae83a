/**
 * Domain errors: a refused command says which rule it broke with a stable `code` and the
 * facts behind it. They know nothing about HTTP; an edge maps codes to statuses.
 */

/** The aggregate whose rule was broken. */
export type Aggregate = 'customer' | 'product' | 'order';

/** A command broke a business rule; nothing was written. */
export abstract class RuleViolation<Code extends string = string> extends Error {
  abstract readonly aggregate: Aggregate;

  constructor(
    /** Stable: callers switch on it; the message may change. */
    readonly code: Code,
    message: string,
    /** The facts a caller needs to act, e.g. `{ productId, requested, available }`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** True for any domain rule violation of this service; checks the shape, not the prototype. */
export function isRuleViolation(error: unknown): error is RuleViolation {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { aggregate?: unknown }).aggregate === 'string' &&
    'details' in error
  );
}
