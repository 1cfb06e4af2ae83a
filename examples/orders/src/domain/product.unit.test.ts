import { foldEvents } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { OrderId, ProductId } from './ids.js';
import {
  AddProduct,
  AddStock,
  ProductAdded,
  ReleaseStock,
  ReserveStock,
  StockAdded,
  StockReleased,
  StockReserved,
  type ProductCommand,
  type ProductEvent,
} from './product-messages.js';
import { productDecider } from './product.js';

const productId = ProductId.from('p-1');
const orderId = OrderId.from('o-1');
const added = ProductAdded({ productId, name: 'Mug', priceCents: 12_00, stock: 3 });

const decide = (given: ProductEvent[], command: ProductCommand) =>
  productDecider.decide(command, foldEvents(productDecider, given));
function refusal(given: ProductEvent[], command: ProductCommand): unknown {
  try {
    decide(given, command);
  } catch (error) {
    return error;
  }
  throw new Error('expected the command to be refused');
}

describe('product: catalogue', () => {
  it('adds a product', () => {
    expect(decide([], AddProduct({ productId, name: 'Mug', priceCents: 12_00, stock: 3 }))).toEqual([added]);
  });

  it('refuses a second product with the same id', () => {
    expect(refusal([added], AddProduct({ productId, name: 'Mug', priceCents: 1, stock: 0 }))).toMatchObject({
      code: 'PRODUCT_ALREADY_ADDED',
    });
  });

  it('refuses a blank name, a price that is not positive, and negative stock', () => {
    expect(refusal([], AddProduct({ productId, name: ' ', priceCents: 1, stock: 0 }))).toMatchObject({
      code: 'PRODUCT_NAME_REQUIRED',
    });
    for (const priceCents of [0, -1, 9.99])
      expect(refusal([], AddProduct({ productId, name: 'Mug', priceCents, stock: 0 }))).toMatchObject({
        code: 'INVALID_PRICE',
        details: { priceCents },
      });
    expect(refusal([], AddProduct({ productId, name: 'Mug', priceCents: 1, stock: -1 }))).toMatchObject({
      code: 'INVALID_QUANTITY',
    });
  });

  it('restocks by a positive quantity only', () => {
    expect(decide([added], AddStock({ productId, quantity: 5 }))).toEqual([
      StockAdded({ productId, quantity: 5 }),
    ]);
    expect(refusal([added], AddStock({ productId, quantity: 0 }))).toMatchObject({
      code: 'INVALID_QUANTITY',
    });
    expect(refusal([], AddStock({ productId, quantity: 1 }))).toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
  });
});

describe('product: stock', () => {
  it('reserves every unit in stock, and not one more', () => {
    const reserve = ReserveStock({ productId, orderId, quantity: 3 });
    expect(decide([added], reserve)).toEqual([StockReserved(reserve.data)]);
    const given = [added, StockReserved({ productId, orderId, quantity: 2 })];
    expect(
      refusal(given, ReserveStock({ productId, orderId: OrderId.from('o-2'), quantity: 2 })),
    ).toMatchObject({
      name: 'ProductRuleViolation',
      code: 'INSUFFICIENT_STOCK',
      message: 'Insufficient stock for Mug: 2 requested, 1 available',
      details: { requested: 2, available: 1 },
    });
  });

  it('refuses to reserve a quantity that is not a positive whole number', () => {
    for (const quantity of [0, -1, 1.5])
      expect(refusal([added], ReserveStock({ productId, orderId, quantity }))).toMatchObject({
        code: 'INVALID_QUANTITY',
      });
  });

  it('refuses to reserve an unknown product', () => {
    expect(refusal([], ReserveStock({ productId, orderId, quantity: 1 }))).toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
    });
  });

  it('puts released units back in stock', () => {
    const state = foldEvents(productDecider, [
      added,
      StockReserved({ productId, orderId, quantity: 3 }),
      StockReleased({ productId, orderId, quantity: 3 }),
      StockAdded({ productId, quantity: 2 }),
    ]);
    expect(state).toMatchObject({ status: 'listed', stock: 5 });
    expect(decide([added], ReleaseStock({ productId, orderId, quantity: 1 }))).toEqual([
      StockReleased({ productId, orderId, quantity: 1 }),
    ]);
  });
});
