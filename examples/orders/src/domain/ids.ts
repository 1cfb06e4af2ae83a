/**
 * Typed ids: plain strings at run time, distinct types at compile time, so an `OrderId` can
 * never be passed where a `ProductId` is expected.
 */
import { defineId } from '@whizbang/core';

export const CustomerId = defineId('CustomerId');
export type CustomerId = ReturnType<typeof CustomerId>;

export const ProductId = defineId('ProductId');
export type ProductId = ReturnType<typeof ProductId>;

export const OrderId = defineId('OrderId');
export type OrderId = ReturnType<typeof OrderId>;

/** One stream per aggregate instance. */
export const customerStream = (id: CustomerId): string => `customer-${id}`;
export const productStream = (id: ProductId): string => `product-${id}`;
export const orderStream = (id: OrderId): string => `order-${id}`;
