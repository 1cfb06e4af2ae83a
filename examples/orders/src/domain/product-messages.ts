/** The product's commands and events. */
import { z } from 'zod';
import { defineCommand, defineEvent, type, type MessageOf } from '@whizbang/core';
import type { OrderId, ProductId } from './ids.js';
import type { Cents } from './money.js';
import { expectedVersionSchema, productIdSchema, textSchema, wholeNumberSchema } from './schemas.js';

export const AddProduct = defineCommand('AddProduct', {
  schema: z.strictObject({
    productId: productIdSchema,
    name: textSchema(200),
    priceCents: wholeNumberSchema,
    stock: wholeNumberSchema,
  }),
  result: type<{ productId: ProductId; version: number }>(),
});
export const AddStock = defineCommand('AddStock', {
  schema: z.strictObject({
    productId: productIdSchema,
    quantity: wholeNumberSchema,
    expectedVersion: expectedVersionSchema,
  }),
  result: type<{ version: number }>(),
});
/** Sent by the PlaceOrder unit of work, never by a client. */
export const ReserveStock = defineCommand('ReserveStock', {
  data: type<{ productId: ProductId; orderId: OrderId; quantity: number }>(),
});
/** Sent by the CancelOrder unit of work, never by a client. */
export const ReleaseStock = defineCommand('ReleaseStock', {
  data: type<{ productId: ProductId; orderId: OrderId; quantity: number }>(),
});

export const ProductAdded = defineEvent('ProductAdded', {
  data: type<{ productId: ProductId; name: string; priceCents: Cents; stock: number }>(),
});
export const StockAdded = defineEvent('StockAdded', {
  data: type<{ productId: ProductId; quantity: number }>(),
});
export const StockReserved = defineEvent('StockReserved', {
  data: type<{ productId: ProductId; orderId: OrderId; quantity: number }>(),
});
export const StockReleased = defineEvent('StockReleased', {
  data: type<{ productId: ProductId; orderId: OrderId; quantity: number }>(),
});

export type ProductCommand =
  | MessageOf<typeof AddProduct>
  | MessageOf<typeof AddStock>
  | MessageOf<typeof ReserveStock>
  | MessageOf<typeof ReleaseStock>;
export type ProductEvent =
  | MessageOf<typeof ProductAdded>
  | MessageOf<typeof StockAdded>
  | MessageOf<typeof StockReserved>
  | MessageOf<typeof StockReleased>;
