/**
 * How an answer counts in the load report. A shop's traffic runs into some refusals by design:
 * two back-office workers pick the same order from the list, and the one who comes second is
 * told it has shipped. Those are counted apart from errors, which mean something is wrong (any
 * 5xx, a dropped request, a refusal the mix never provokes).
 */
import type { Operation } from './mix.js';

/** The refusals (409, by problem code) each operation may meet in a healthy run, and why. */
export const EXPECTED_REFUSALS: Readonly<Partial<Record<Operation, Readonly<Record<string, string>>>>> = {
  place: {
    INSUFFICIENT_STOCK: 'another order took the last units',
    CREDIT_LIMIT_EXCEEDED: "over the customer's credit",
  },
  ship: { ORDER_NOT_CONFIRMED: 'another worker shipped or cancelled it first' },
  cancel: {
    ORDER_ALREADY_SHIPPED: 'another worker shipped it first',
    ORDER_ALREADY_CANCELLED: 'another worker cancelled it first',
  },
};

/**
 * Whether an answer of `status` with problem `code` is a refusal `operation` may meet by design.
 * @example
 * isExpectedRefusal('ship', 409, 'ORDER_NOT_CONFIRMED'); // true: a lost race
 * isExpectedRefusal('ship', 403, 'WHIZBANG_FORBIDDEN'); // false: an error
 */
export function isExpectedRefusal(operation: Operation, status: number, code: string | undefined): boolean {
  return status === 409 && code !== undefined && EXPECTED_REFUSALS[operation]?.[code] !== undefined;
}

/** The `code` of a problem+json answer, if it is one. */
export function problemCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
