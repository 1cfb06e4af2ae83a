/** The catalogue: adding products, restocking, and reading one back. */
import { z } from 'zod';
import { aggregateStream, defineQuery, handle, handleCommand, type } from '@whizbang/core';
import { productStream, type ProductId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { AddProduct, AddStock } from '../domain/product-messages.js';
import { productDecider } from '../domain/product.js';
import { productIdSchema } from '../domain/schemas.js';
import { ORDERS_PERMISSIONS } from './roles.js';
import { decideAtVersion } from './versioned-command.js';

export { AddProduct, AddStock };

export interface ProductView {
  readonly productId: ProductId;
  readonly name: string;
  readonly priceCents: Cents;
  readonly stock: number;
  readonly version: number;
}

export const GetProduct = defineQuery('GetProduct', {
  schema: z.strictObject({ productId: productIdSchema }),
  result: type<ProductView | null>(),
});

export const addProduct = handle(
  AddProduct,
  async (command, ctx) => {
    const { productId } = command.data;
    const { nextExpectedVersion } = await handleCommand(
      ctx,
      productStream(productId),
      productDecider,
      command,
    );
    return { productId, version: nextExpectedVersion };
  },
  { permissions: [ORDERS_PERMISSIONS.addProducts] },
);

export const addStock = handle(
  AddStock,
  (command, ctx) =>
    decideAtVersion(
      ctx,
      productStream(command.data.productId),
      productDecider,
      command,
      command.data.expectedVersion,
    ),
  { permissions: [ORDERS_PERMISSIONS.restockProducts] },
);

export const getProduct = handle(
  GetProduct,
  async (query, ctx) => {
    const { state, version } = await aggregateStream(
      ctx,
      productStream(query.data.productId),
      productDecider,
    );
    if (state.status === 'unknown') return null;
    const { productId, name, priceCents, stock } = state;
    return { productId, name, priceCents, stock, version };
  },
  { permissions: [ORDERS_PERMISSIONS.readProducts] },
);
