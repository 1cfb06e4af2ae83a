import { describe, expect, expectTypeOf, it } from 'vitest';
import { isValidationError } from '../errors/catalog.js';
import { defineId, type Brand } from './branded.js';

const OrderId = defineId('OrderId');
const CustomerId = defineId('CustomerId');
type OrderId = ReturnType<typeof OrderId>;

describe('defineId', () => {
  it('makes UUIDv7 strings branded with the id type', () => {
    const id = OrderId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expectTypeOf(id).toEqualTypeOf<Brand<string, 'OrderId'>>();
    expectTypeOf(CustomerId()).not.toEqualTypeOf<OrderId>();
  });

  it('checks strings on the way in', () => {
    expect(OrderId.from('abc')).toBe('abc');
    expect(OrderId.is('abc')).toBe(true);
    expect(OrderId.is('')).toBe(false);
    let caught: unknown;
    try {
      OrderId.from('');
    } catch (error) {
      caught = error;
    }
    expect(isValidationError(caught)).toBe(true);
    expect((caught as Error).message).toContain('OrderId');
  });
});
