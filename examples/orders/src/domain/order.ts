/**
 * The order aggregate: Pending → Confirmed → Shipped → Delivered, or Cancelled (with a
 * reason) before it ships.
 */
import type { Decider } from '@whizbang/core';
import type { CustomerId, OrderId } from './ids.js';
import { isPositiveCents, isPositiveQuantity, type Cents } from './money.js';
import {
  OrderCancelled,
  OrderConfirmed,
  OrderDelivered,
  OrderPlaced,
  OrderShipped,
  type OrderCommand,
  type OrderEvent,
  type OrderItem,
} from './order-messages.js';
import { RuleViolation } from './rule-violation.js';
import { unreachable } from './unreachable.js';

export type OrderRule =
  | 'ORDER_NOT_FOUND'
  | 'ORDER_ALREADY_EXISTS'
  | 'ORDER_EMPTY'
  | 'ORDER_DUPLICATE_PRODUCT'
  | 'INVALID_QUANTITY'
  | 'INVALID_PRICE'
  | 'ORDER_NOT_PENDING'
  | 'ORDER_NOT_CONFIRMED'
  | 'ORDER_NOT_SHIPPED'
  | 'TRACKING_NUMBER_REQUIRED'
  | 'CANCEL_REASON_REQUIRED'
  | 'ORDER_ALREADY_SHIPPED'
  | 'ORDER_ALREADY_CANCELLED';

export class OrderRuleViolation extends RuleViolation<OrderRule> {
  readonly aggregate = 'order' as const;
}

/** The reason an order that expired unconfirmed carries. */
export const EXPIRED = 'not confirmed in time';

export type OrderStatus = 'pending' | 'confirmed' | 'shipped' | 'delivered' | 'cancelled';

export type OrderState =
  | { readonly status: 'unknown' }
  | {
      readonly status: OrderStatus;
      readonly orderId: OrderId;
      readonly customerId: CustomerId;
      readonly items: readonly OrderItem[];
      readonly totalCents: Cents;
      readonly trackingNumber?: string;
      readonly cancelReason?: string;
    };

/** An order that exists. */
export type Order = Exclude<OrderState, { status: 'unknown' }>;

/** The sum of quantity × unit price over the items. */
export function orderTotal(items: readonly OrderItem[]): Cents {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}

/** Throws ORDER_NOT_FOUND unless the order exists. */
export function existingOrder(state: OrderState, orderId: OrderId): Order {
  if (state.status === 'unknown')
    throw new OrderRuleViolation('ORDER_NOT_FOUND', `Order ${orderId} does not exist`, { orderId });
  return state;
}

function requireStatus(order: Order, wanted: OrderStatus, code: OrderRule, action: string): void {
  if (order.status !== wanted)
    throw new OrderRuleViolation(
      code,
      `Order ${order.orderId} is ${order.status}: only ${wanted} orders ${action}`,
      {
        orderId: order.orderId,
        status: order.status,
      },
    );
}

function checkItems(orderId: OrderId, items: readonly OrderItem[]): void {
  if (items.length === 0)
    throw new OrderRuleViolation('ORDER_EMPTY', 'An order needs at least one item', { orderId });
  const seen = new Set<string>();
  for (const item of items) {
    const { productId, quantity, unitPriceCents } = item;
    if (!isPositiveQuantity(quantity))
      throw new OrderRuleViolation('INVALID_QUANTITY', 'A quantity must be a positive whole number', {
        orderId,
        productId,
        quantity,
      });
    if (!isPositiveCents(unitPriceCents))
      throw new OrderRuleViolation('INVALID_PRICE', 'A unit price must be a positive whole number of cents', {
        orderId,
        productId,
        unitPriceCents,
      });
    if (seen.has(productId))
      throw new OrderRuleViolation('ORDER_DUPLICATE_PRODUCT', 'Each product appears on one line only', {
        orderId,
        productId,
      });
    seen.add(productId);
  }
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  initialState: () => ({ status: 'unknown' }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateOrder': {
        const { orderId, customerId, items } = command.data;
        if (state.status !== 'unknown')
          throw new OrderRuleViolation('ORDER_ALREADY_EXISTS', `Order ${orderId} already exists`, {
            orderId,
          });
        checkItems(orderId, items);
        return [OrderPlaced({ orderId, customerId, items, totalCents: orderTotal(items) })];
      }
      case 'ConfirmOrder': {
        const order = existingOrder(state, command.data.orderId);
        requireStatus(order, 'pending', 'ORDER_NOT_PENDING', 'can be confirmed');
        return [OrderConfirmed({ orderId: order.orderId })];
      }
      case 'ShipOrder': {
        const order = existingOrder(state, command.data.orderId);
        requireStatus(order, 'confirmed', 'ORDER_NOT_CONFIRMED', 'can be shipped');
        const trackingNumber = command.data.trackingNumber.trim();
        if (trackingNumber === '')
          throw new OrderRuleViolation('TRACKING_NUMBER_REQUIRED', 'Shipping needs a tracking number', {
            orderId: order.orderId,
          });
        return [OrderShipped({ orderId: order.orderId, trackingNumber })];
      }
      case 'DeliverOrder': {
        const order = existingOrder(state, command.data.orderId);
        requireStatus(order, 'shipped', 'ORDER_NOT_SHIPPED', 'can be delivered');
        return [OrderDelivered({ orderId: order.orderId })];
      }
      case 'CancelOrder': {
        const order = existingOrder(state, command.data.orderId);
        const { orderId } = order;
        if (order.status === 'shipped' || order.status === 'delivered')
          throw new OrderRuleViolation(
            'ORDER_ALREADY_SHIPPED',
            `Order ${orderId} has shipped and can no longer be cancelled`,
            { orderId, status: order.status },
          );
        if (order.status === 'cancelled')
          throw new OrderRuleViolation('ORDER_ALREADY_CANCELLED', `Order ${orderId} is already cancelled`, {
            orderId,
          });
        const reason = command.data.reason.trim();
        if (reason === '')
          throw new OrderRuleViolation('CANCEL_REASON_REQUIRED', 'Cancelling needs a reason', { orderId });
        return [OrderCancelled({ orderId, reason })];
      }
      case 'ExpireOrder': {
        // Not a refusal: confirming just before the deadline is how the race should end.
        if (state.status !== 'pending') return [];
        return [OrderCancelled({ orderId: state.orderId, reason: EXPIRED })];
      }
      case 'ConfirmPaidOrder': {
        // Not a refusal: confirmed by hand already, or cancelled while the payment was on its way.
        if (state.status !== 'pending') return [];
        return [OrderConfirmed({ orderId: state.orderId })];
      }
      case 'AbandonOrder': {
        // Not a refusal: an order that shipped first keeps going, a cancelled one stays so.
        if (state.status !== 'pending' && state.status !== 'confirmed') return [];
        return [OrderCancelled({ orderId: state.orderId, reason: command.data.reason })];
      }
      default:
        return unreachable(command);
    }
  },

  evolve(state, event) {
    if (event.type === 'OrderPlaced') return { status: 'pending', ...event.data };
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'OrderConfirmed':
        return { ...state, status: 'confirmed' };
      case 'OrderShipped':
        return { ...state, status: 'shipped', trackingNumber: event.data.trackingNumber };
      case 'OrderDelivered':
        return { ...state, status: 'delivered' };
      case 'OrderCancelled':
        return { ...state, status: 'cancelled', cancelReason: event.data.reason };
      default:
        return unreachable(event);
    }
  },
};
