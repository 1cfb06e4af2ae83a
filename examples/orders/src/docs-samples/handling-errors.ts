// The sample of docs/errors.md.
// #region guards
import { isConcurrencyError, isValidationError, isWhizbangError } from '@whizbang/core';

/** Turns any error into a short answer for a caller. Switch on codes, not on messages. */
export function describeError(error: unknown): string {
  // Guards check the stable `code`, so they work across package copies, where `instanceof` fails.
  if (isConcurrencyError(error))
    return `Someone changed ${error.stream} first (now at version ${error.actual}); reload and try again.`;
  if (isValidationError(error))
    return `Invalid ${error.subject}: ${error.issues.map((i) => i.message).join('; ')}`;
  if (isWhizbangError(error)) return `${error.code}: ${error.message}`;
  throw error; // not ours: let it surface
}
// #endregion
