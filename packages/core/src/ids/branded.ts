/**
 * Strongly typed ids: a `string` at run time, a distinct type at compile time, so an
 * `OrderId` can never be passed where a `CustomerId` is expected.
 */
import { ValidationError } from '../errors/catalog.js';
import { uuidv7 } from './uuidv7.js';

declare const brand: unique symbol;

/** `T` tagged with a compile-time-only brand `B`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A typed id factory: `OrderId()` makes a new one, `OrderId.from(s)` checks and brands a string. */
export interface IdType<B extends string> {
  (): Brand<string, B>;
  readonly idType: B;
  from(value: string): Brand<string, B>;
  is(value: unknown): value is Brand<string, B>;
}

/**
 * Defines a branded id type whose new values are UUIDv7s.
 * @example
 * const OrderId = defineId('OrderId');
 * type OrderId = ReturnType<typeof OrderId>;
 * const id: OrderId = OrderId();
 * const parsed = OrderId.from(request.params.id); // throws ValidationError if empty
 */
export function defineId<B extends string>(idType: B): IdType<B> {
  const make = (() => uuidv7() as Brand<string, B>) as IdType<B>;
  return Object.assign(make, {
    idType,
    from(value: string): Brand<string, B> {
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
        throw new ValidationError(
          [{ message: 'must be a non-empty string of at most 200 characters' }],
          idType,
        );
      }
      return value as Brand<string, B>;
    },
    is(value: unknown): value is Brand<string, B> {
      return typeof value === 'string' && value.length > 0 && value.length <= 200;
    },
  });
}
