/**
 * Sales per product: a multi-stream read model, fed by every order stream and keyed by the
 * products in each order, built by the projection daemon in the background.
 */
import { z } from 'zod';
import { defineProjection, defineQuery, handle, readModel, type } from '@whizbang/core';
import type { ProductId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import type { OrderEvent } from '../domain/order-messages.js';
import { productIdSchema } from '../domain/schemas.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export interface ProductSales {
  readonly productId: ProductId;
  readonly name: string;
  readonly orders: number;
  readonly unitsOrdered: number;
  readonly orderedCents: Cents;
}

// #region async
export const productSales = defineProjection<ProductSales, OrderEvent>({
  name: 'product-sales',
  lifecycle: 'async',
  // One order touches several products: the event fans out to each one's document.
  identity: (event) => (event.type === 'OrderPlaced' ? event.data.items.map((i) => i.productId) : undefined),
  initialState: () => ({ productId: '' as ProductId, name: '', orders: 0, unitsOrdered: 0, orderedCents: 0 }),
  handlers: {
    OrderPlaced: (sales, event, ctx) => {
      const item = event.data.items.find((i) => i.productId === ctx.id)!;
      return {
        productId: item.productId,
        name: item.name,
        orders: sales.orders + 1,
        unitsOrdered: sales.unitsOrdered + item.quantity,
        orderedCents: sales.orderedCents + item.quantity * item.unitPriceCents,
      };
    },
  },
});
// #endregion

export const GetProductSales = defineQuery('GetProductSales', {
  schema: z.strictObject({ productId: productIdSchema }),
  result: type<ProductSales | null>(),
});

/** The shop's figures: for the back office, not for customers. */
export const getProductSales = handle(
  GetProductSales,
  async (query, ctx) => {
    const found = await readModel(ctx.store, productSales).get(query.data.productId);
    return found?.data ?? null;
  },
  { permissions: [ORDERS_PERMISSIONS.readProductSales] },
);
