/**
 * Readable failure output for the specs: expected and actual side by side as indented JSON,
 * with the first index where two lists differ named, so a failing spec says what went wrong.
 */
import { AssertionError, deepStrictEqual } from 'node:assert';

function show(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2) ?? String(value)
  );
}

function equal(a: unknown, b: unknown): boolean {
  try {
    deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Throws an AssertionError naming the first differing index when two lists differ. */
export function assertSameList(what: string, expected: readonly unknown[], actual: readonly unknown[]): void {
  if (equal(expected, actual)) return;
  let index = 0;
  while (index < Math.min(expected.length, actual.length) && equal(expected[index], actual[index]))
    index += 1;
  const where =
    expected.length !== actual.length && index === Math.min(expected.length, actual.length)
      ? `expected ${expected.length} ${what}, got ${actual.length}`
      : `${what} differ at index ${index}`;
  throw new AssertionError({
    message: `${where}\n\nExpected ${what}:\n${show(expected)}\n\nActual ${what}:\n${show(actual)}`,
    expected,
    actual,
    operator: 'deepStrictEqual',
  });
}

/** Throws an AssertionError showing both values when they differ. */
export function assertSameValue(what: string, expected: unknown, actual: unknown): void {
  if (equal(expected, actual)) return;
  throw new AssertionError({
    message: `${what} differs\n\nExpected:\n${show(expected)}\n\nActual:\n${show(actual)}`,
    expected,
    actual,
    operator: 'deepStrictEqual',
  });
}

/** Throws unless every key of `partial` matches in `actual` (deeply). */
export function assertMatches(what: string, partial: Record<string, unknown>, actual: unknown): void {
  const picked: Record<string, unknown> = {};
  if (actual !== null && typeof actual === 'object') {
    for (const key of Object.keys(partial)) picked[key] = (actual as Record<string, unknown>)[key];
  }
  assertSameValue(what, partial, picked);
}

export function fail(message: string): never {
  throw new AssertionError({ message });
}

/** Checks a thrown error against a class, a predicate, or a message fragment. */
export type ErrorExpectation =
  (abstract new (...args: never[]) => Error) | ((error: unknown) => boolean) | string | RegExp;

export function assertThrown(error: unknown, expectation: ErrorExpectation | undefined): void {
  if (expectation === undefined) return;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expectation === 'string') {
    if (!message.includes(expectation))
      fail(`Expected an error containing '${expectation}', got: ${message}`);
  } else if (expectation instanceof RegExp) {
    if (!expectation.test(message)) fail(`Expected an error matching ${expectation}, got: ${message}`);
  } else if (expectation.prototype instanceof Error || expectation === Error) {
    if (!(error instanceof (expectation as abstract new (...args: never[]) => Error))) {
      fail(
        `Expected a ${expectation.name}, got ${error instanceof Error ? error.name : typeof error}: ${message}`,
      );
    }
  } else if (!(expectation as (e: unknown) => boolean)(error)) {
    fail(`The thrown error did not satisfy the predicate: ${message}`);
  }
}

/** `{ type, data }` of a message, ignoring ids, headers and metadata. */
export function typeAndData(message: { readonly type: string; readonly data: unknown }): {
  type: string;
  data: unknown;
} {
  return { type: message.type, data: message.data };
}
