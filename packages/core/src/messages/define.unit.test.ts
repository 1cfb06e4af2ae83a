import { describe, expect, expectTypeOf, it } from 'vitest';
import { objectSchema } from '../test-support/tiny-schema.js';
import { defineCommand, defineEvent, defineQuery, type, type MessageOf, type ResultOf } from './define.js';

const PlaceOrder = defineCommand('PlaceOrder', {
  schema: objectSchema<{ sku: string; quantity: number }>({ sku: 'string', quantity: 'positive' }),
  result: type<{ orderId: string }>(),
});
const GetOrder = defineQuery('GetOrder', {
  data: type<{ id: string }>(),
  result: type<{ total: number } | null>(),
});
const OrderPlaced = defineEvent('OrderPlaced', { data: type<{ orderId: string }>(), schemaVersion: 3 });
const Ping = defineCommand('Ping');

describe('message definitions', () => {
  it('build plain, serialisable messages', () => {
    const command = PlaceOrder({ sku: 'A', quantity: 2 });
    expect(command).toEqual({ type: 'PlaceOrder', data: { sku: 'A', quantity: 2 } });
    expect(JSON.parse(JSON.stringify(command))).toEqual(command);
    expect(PlaceOrder({ sku: 'A', quantity: 1 }, { id: 'my-id', headers: { source: 'test' } })).toEqual({
      type: 'PlaceOrder',
      data: { sku: 'A', quantity: 1 },
      id: 'my-id',
      headers: { source: 'test' },
    });
  });

  it('carry their kind, type, schema and schema version', () => {
    expect(PlaceOrder.kind).toBe('command');
    expect(PlaceOrder.type).toBe('PlaceOrder');
    expect(PlaceOrder.name).toBe('PlaceOrder');
    expect(PlaceOrder.schema).toBeDefined();
    expect(GetOrder.kind).toBe('query');
    expect(GetOrder.schema).toBeUndefined();
    expect(OrderPlaced.kind).toBe('event');
    expect(OrderPlaced.schemaVersion).toBe(3);
    expect(defineEvent('X').schemaVersion).toBe(1);
    expect(Object.isFrozen(PlaceOrder)).toBe(true);
  });

  it('refuse bad definitions', () => {
    expect(() => defineCommand('')).toThrow(/non-empty/);
    expect(() => defineEvent('E', { schemaVersion: 0 })).toThrow(/positive integer/);
    expect(() => defineEvent('E', { schemaVersion: 1.5 })).toThrow(/positive integer/);
  });

  it('infer data and result types', () => {
    expectTypeOf(PlaceOrder).parameter(0).toEqualTypeOf<{ sku: string; quantity: number }>();
    expectTypeOf<ResultOf<ReturnType<typeof PlaceOrder>>>().toEqualTypeOf<{ orderId: string }>();
    expectTypeOf<ResultOf<ReturnType<typeof GetOrder>>>().toEqualTypeOf<{ total: number } | null>();
    expectTypeOf<MessageOf<typeof OrderPlaced>['type']>().toEqualTypeOf<'OrderPlaced'>();
    expectTypeOf<MessageOf<typeof OrderPlaced>['data']>().toEqualTypeOf<{ orderId: string }>();
    expectTypeOf<ResultOf<ReturnType<typeof Ping>>>().toEqualTypeOf<void>();
  });
});
