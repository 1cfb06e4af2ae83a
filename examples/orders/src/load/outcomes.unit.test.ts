import { describe, expect, it } from 'vitest';
import { EXPECTED_REFUSALS, isExpectedRefusal, problemCode } from './outcomes.js';

describe('the outcomes the load expects', () => {
  it('are the 409s of lost races and sold-out products, for the operation that meets them', () => {
    expect(isExpectedRefusal('ship', 409, 'ORDER_NOT_CONFIRMED')).toBe(true);
    expect(isExpectedRefusal('cancel', 409, 'ORDER_ALREADY_SHIPPED')).toBe(true);
    expect(isExpectedRefusal('cancel', 409, 'ORDER_ALREADY_CANCELLED')).toBe(true);
    expect(isExpectedRefusal('place', 409, 'INSUFFICIENT_STOCK')).toBe(true);
    // Not for another operation, not with another status, not without a code.
    expect(isExpectedRefusal('browse', 409, 'ORDER_NOT_CONFIRMED')).toBe(false);
    expect(isExpectedRefusal('ship', 412, 'ORDER_NOT_CONFIRMED')).toBe(false);
    expect(isExpectedRefusal('ship', 409, undefined)).toBe(false);
  });

  it('never include what a healthy run must not meet: refused tokens, unknown orders, server errors', () => {
    const codes = Object.values(EXPECTED_REFUSALS).flatMap((reasons) => Object.keys(reasons ?? {}));
    expect(codes.filter((code) => /WHIZBANG_|NOT_FOUND/.test(code))).toEqual([]);
    expect(isExpectedRefusal('ship', 403, 'WHIZBANG_FORBIDDEN')).toBe(false);
    expect(isExpectedRefusal('get-order', 404, 'WHIZBANG_NOT_FOUND')).toBe(false);
  });

  it("reads a problem's code, and nothing from what is not one", () => {
    expect(problemCode('{"status":409,"code":"ORDER_NOT_CONFIRMED"}')).toBe('ORDER_NOT_CONFIRMED');
    expect(problemCode('{"status":409}')).toBeUndefined();
    expect(problemCode('null')).toBeUndefined();
    expect(problemCode('<html>Bad Gateway</html>')).toBeUndefined();
  });
});
