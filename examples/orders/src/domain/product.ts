/**
 * The product aggregate: a price and the units in stock. Reserving takes units out of stock,
 * releasing puts them back; stock never goes negative.
 */
import type { Decider } from '@whizbang/core';
import type { ProductId } from './ids.js';
import { isPositiveCents, isPositiveQuantity, type Cents } from './money.js';
import {
  ProductAdded,
  StockAdded,
  StockReleased,
  StockReserved,
  type ProductCommand,
  type ProductEvent,
} from './product-messages.js';
import { RuleViolation } from './rule-violation.js';
import { unreachable } from './unreachable.js';

export type ProductRule =
  | 'PRODUCT_NOT_FOUND'
  | 'PRODUCT_ALREADY_ADDED'
  | 'PRODUCT_NAME_REQUIRED'
  | 'INVALID_PRICE'
  | 'INVALID_QUANTITY'
  | 'INSUFFICIENT_STOCK';

export class ProductRuleViolation extends RuleViolation<ProductRule> {
  readonly aggregate = 'product' as const;
}

export type ProductState =
  | { readonly status: 'unknown' }
  | {
      readonly status: 'listed';
      readonly productId: ProductId;
      readonly name: string;
      readonly priceCents: Cents;
      /** Units available to new orders. */
      readonly stock: number;
    };

type Listed = Extract<ProductState, { status: 'listed' }>;

/** Throws unless the product exists. Used by the unit of work too, when it prices an order. */
export function listedProduct(state: ProductState, productId: ProductId): Listed {
  if (state.status !== 'listed')
    throw new ProductRuleViolation('PRODUCT_NOT_FOUND', `Product ${productId} does not exist`, { productId });
  return state;
}

function checkQuantity(productId: ProductId, quantity: number): void {
  if (!isPositiveQuantity(quantity))
    throw new ProductRuleViolation('INVALID_QUANTITY', 'A quantity must be a positive whole number', {
      productId,
      quantity,
    });
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  initialState: () => ({ status: 'unknown' }),

  decide(command, state) {
    switch (command.type) {
      case 'AddProduct': {
        const { productId, name, priceCents, stock } = command.data;
        if (state.status !== 'unknown')
          throw new ProductRuleViolation('PRODUCT_ALREADY_ADDED', `Product ${productId} already exists`, {
            productId,
          });
        if (name.trim() === '')
          throw new ProductRuleViolation('PRODUCT_NAME_REQUIRED', 'A product needs a name', { productId });
        if (!isPositiveCents(priceCents))
          throw new ProductRuleViolation(
            'INVALID_PRICE',
            'A price must be a positive whole number of cents',
            {
              productId,
              priceCents,
            },
          );
        if (!Number.isSafeInteger(stock) || stock < 0)
          throw new ProductRuleViolation(
            'INVALID_QUANTITY',
            'Initial stock must be a whole number, zero or more',
            {
              productId,
              quantity: stock,
            },
          );
        return [ProductAdded({ productId, name: name.trim(), priceCents, stock })];
      }
      case 'AddStock': {
        const { productId, quantity } = command.data;
        listedProduct(state, productId);
        checkQuantity(productId, quantity);
        return [StockAdded({ productId, quantity })];
      }
      case 'ReserveStock': {
        const { productId, orderId, quantity } = command.data;
        const product = listedProduct(state, productId);
        checkQuantity(productId, quantity);
        if (quantity > product.stock)
          throw new ProductRuleViolation(
            'INSUFFICIENT_STOCK',
            `Insufficient stock for ${product.name}: ${quantity} requested, ${product.stock} available`,
            { productId, orderId, requested: quantity, available: product.stock },
          );
        return [StockReserved({ productId, orderId, quantity })];
      }
      case 'ReleaseStock': {
        const { productId, orderId, quantity } = command.data;
        listedProduct(state, productId);
        checkQuantity(productId, quantity);
        return [StockReleased({ productId, orderId, quantity })];
      }
      default:
        return unreachable(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ProductAdded':
        return { status: 'listed', ...event.data };
      case 'StockAdded':
      case 'StockReleased':
        return state.status === 'listed' ? { ...state, stock: state.stock + event.data.quantity } : state;
      case 'StockReserved':
        return state.status === 'listed' ? { ...state, stock: state.stock - event.data.quantity } : state;
      default:
        return unreachable(event);
    }
  },
};
