import { describe, expect, it } from 'vitest';
import { createRedactor, DEFAULT_REDACTED_KEYS } from './redact.js';

const R = '[REDACTED]';

describe('createRedactor', () => {
  it('masks the default keys at any depth, case-insensitively, in objects and arrays', () => {
    const redact = createRedactor();
    const input = {
      user: 'ada',
      Password: 'p',
      nested: { deeper: { API_KEY: 'k', apiKey: 'k2', ok: 1 } },
      headers: [{ Authorization: 'Bearer x', accept: 'json' }],
      payment: { cardNumber: '4111', CVV: '123', amount: 10 },
    };
    expect(redact(input)).toEqual({
      user: 'ada',
      Password: R,
      nested: { deeper: { API_KEY: R, apiKey: R, ok: 1 } },
      headers: [{ Authorization: R, accept: 'json' }],
      payment: { cardNumber: R, CVV: R, amount: 10 },
    });
    expect(DEFAULT_REDACTED_KEYS).toContain('ssn');
  });

  it('masks a whole subtree under a matching key, whatever its value', () => {
    const redact = createRedactor();
    expect(redact({ secret: { a: 1, b: [1, 2] }, token: null, cookie: 0 })).toEqual({
      secret: R,
      token: R,
      cookie: R,
    });
  });

  it('masks dotted paths, with * for any key or index, and adds keys to the defaults', () => {
    const redact = createRedactor({
      paths: ['customer.email', 'items.*.note', 'a.*.*.c', 'list.1'],
      keys: ['Phone'],
      censor: '***',
    });
    const input = {
      customer: { email: 'a@b.c', name: 'Ada', phone: '555', password: 'x' },
      email: 'top level is not a path match',
      items: [{ note: 'n1', sku: 'A' }, { sku: 'B' }],
      a: { x: { y: { c: 1, d: 2 } }, c: 3 },
      list: ['keep', 'mask', 'keep'],
    };
    expect(redact(input)).toEqual({
      customer: { email: '***', name: 'Ada', phone: '***', password: '***' },
      email: 'top level is not a path match',
      items: [{ note: '***', sku: 'A' }, { sku: 'B' }],
      a: { x: { y: { c: '***', d: 2 } }, c: 3 },
      list: ['keep', '***', 'keep'],
    });
  });

  it('never mutates its input, and shares what it did not change', () => {
    const redact = createRedactor({ paths: ['a.secretish'] });
    const untouched = { deep: { list: [1, 2, 3] } };
    const input = { a: { secretish: 's', keep: 1 }, untouched };
    const frozen = structuredClone(input);
    const output = redact(input) as typeof input;
    expect(input).toEqual(frozen);
    expect(output.a).not.toBe(input.a);
    expect(output.untouched).toBe(untouched);
    const clean = { x: 1, y: { z: [1] } };
    expect(redact(clean)).toBe(clean);
  });

  it('cuts cycles, keeps shared references that are not cycles, and passes leaves through', () => {
    const redact = createRedactor();
    const node: Record<string, unknown> = { name: 'n', password: 'p' };
    node.self = node;
    const shared = { token: 't' };
    const when = new Date('2026-01-01T00:00:00Z');
    const output = redact({ node, left: shared, right: shared, when, none: null, list: [node] }) as Record<
      string,
      unknown
    >;
    expect(output).toEqual({
      node: { name: 'n', password: R, self: '[Circular]' },
      left: { token: R },
      right: { token: R },
      when,
      none: null,
      list: [{ name: 'n', password: R, self: '[Circular]' }],
    });
    expect(output.when).toBe(when);
    for (const leaf of [null, undefined, 1, 'text', true, when]) expect(redact(leaf)).toBe(leaf);
  });

  it('copies an own __proto__ key as data, never as the prototype', () => {
    const redact = createRedactor();
    const input = JSON.parse('{"__proto__": {"token": "t"}, "password": "p"}') as object;
    const output = redact(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.hasOwn(output, '__proto__')).toBe(true);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"token":"[REDACTED]"},"password":"[REDACTED]"}');
  });

  it('refuses a path with an empty segment', () => {
    expect(() => createRedactor({ paths: ['a..b'] })).toThrow(/a\.\.b/);
  });
});
