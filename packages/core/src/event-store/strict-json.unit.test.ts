import { describe, expect, it } from 'vitest';
import { roundTripsAsJson, strictJson } from './strict-json.js';

describe('strictJson', () => {
  it('writes plain data exactly as JSON.stringify does', () => {
    const data = {
      id: 'o-1',
      n: -1.5,
      ok: true,
      none: null,
      skipped: undefined,
      items: [{ sku: 'a', qty: 2 }, [1, 'two', null]],
      bare: Object.assign(Object.create(null) as object, { x: 1 }),
    };
    expect(strictJson(data)).toBe(JSON.stringify(data));
    expect(strictJson('text')).toBe('"text"');
    expect(strictJson(undefined)).toBeUndefined();
  });

  it('writes dates and class instances the way JSON does', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const at = new Date('2026-12-02T00:00:00.000Z');
    expect(strictJson({ at, price: new Money(5) })).toBe(
      '{"at":"2026-12-02T00:00:00.000Z","price":{"cents":5}}',
    );
  });

  it.each([
    ['a function', { total: { f: () => 1 } }, "'f' a function"],
    ['a symbol', { total: { s: Symbol('s') } }, "'s' a symbol"],
    ['a bigint', { total: { big: 1n } }, "'big' a bigint"],
    ['NaN', { total: { n: Number.NaN } }, "'n' NaN"],
    ['Infinity', { total: [Infinity] }, "'0' Infinity"],
    ['a Map', { total: { m: new Map() } }, "'m' a Map"],
    ['a Set', { total: { s: new Set() } }, "'s' a Set"],
    ['undefined in an array', { total: [1, undefined] }, "'1' undefined in an array"],
  ])('refuses %s, naming its key', (_, value, message) => {
    expect(() => strictJson(value)).toThrow(`${message} cannot be stored as JSON`);
  });

  it('refuses a cycle, and writes deep data that has none', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(() => strictJson(cyclic)).toThrow(TypeError);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(strictJson(deep)).toBe(JSON.stringify(deep));
  });
});

describe('roundTripsAsJson', () => {
  it('holds for plain data that JSON gives back unchanged', () => {
    expect(roundTripsAsJson({ count: 2, sum: 1.5, tags: ['a'], at: null, nested: { ok: true } })).toBe(true);
  });

  it.each([
    ['a property set to undefined', { a: undefined }],
    ['-0', { n: -0 }],
    ['an object without a prototype', Object.create(null) as object],
    ['a Date', { at: new Date(0) }],
    ['a class instance', { m: new URL('https://example.com') }],
  ])('does not hold for %s', (_, value) => {
    expect(roundTripsAsJson(value)).toBe(false);
  });
});
