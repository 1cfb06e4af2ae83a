/** The order's commands and events. */
import { z } from 'zod';
import { defineCommand, defineEvent, type, type MessageOf } from '@whizbang/core';
import type { CustomerId, OrderId, ProductId } from './ids.js';
import type { Cents } from './money.js';
import { expectedVersionSchema, orderIdSchema, textSchema } from './schemas.js';

/** One line of an order, priced when the order was placed. */
export interface OrderItem {
  readonly productId: ProductId;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: Cents;
}

/**
 * Opens an order with priced items. Sent by the PlaceOrder unit of work, which prices the
 * client's items from the products, never by a client.
 */
export const CreateOrder = defineCommand('CreateOrder', {
  data: type<{ orderId: OrderId; customerId: CustomerId; items: readonly OrderItem[] }>(),
});
/** What the order's lifecycle commands answer: the order stream's version after them. */
export interface OrderVersion {
  readonly version: number;
}

export const ConfirmOrder = defineCommand('ConfirmOrder', {
  schema: z.strictObject({ orderId: orderIdSchema, expectedVersion: expectedVersionSchema }),
  result: type<OrderVersion>(),
});
export const ShipOrder = defineCommand('ShipOrder', {
  schema: z.strictObject({
    orderId: orderIdSchema,
    trackingNumber: textSchema(100),
    expectedVersion: expectedVersionSchema,
  }),
  result: type<OrderVersion>(),
});
export const DeliverOrder = defineCommand('DeliverOrder', {
  schema: z.strictObject({ orderId: orderIdSchema, expectedVersion: expectedVersionSchema }),
  result: type<OrderVersion>(),
});
export const CancelOrder = defineCommand('CancelOrder', {
  schema: z.strictObject({
    orderId: orderIdSchema,
    reason: textSchema(500),
    expectedVersion: expectedVersionSchema,
  }),
  result: type<OrderVersion>(),
});

/**
 * Cancels an order nobody confirmed in time, giving its stock and credit back. Sent by the
 * confirmation-deadline saga; an order confirmed (or cancelled) meanwhile is left as it is.
 */
export const ExpireOrder = defineCommand('ExpireOrder', { data: type<{ orderId: OrderId }>() });
/**
 * Confirms an order its payment went through for. Sent by the fulfillment saga; an order
 * confirmed by hand meanwhile, or cancelled, is left as it is.
 */
export const ConfirmPaidOrder = defineCommand('ConfirmPaidOrder', { data: type<{ orderId: OrderId }>() });
/**
 * Cancels an order the fulfillment saga gave up on (payment declined or late, not shipped in
 * time), with the reason, giving its stock and credit back. An order that shipped or was
 * cancelled meanwhile is left as it is: the order, not the saga, settles that race.
 */
export const AbandonOrder = defineCommand('AbandonOrder', {
  data: type<{ orderId: OrderId; reason: string }>(),
});

export const OrderPlaced = defineEvent('OrderPlaced', {
  data: type<{
    orderId: OrderId;
    customerId: CustomerId;
    items: readonly OrderItem[];
    totalCents: Cents;
  }>(),
});
export const OrderConfirmed = defineEvent('OrderConfirmed', { data: type<{ orderId: OrderId }>() });
export const OrderShipped = defineEvent('OrderShipped', {
  data: type<{ orderId: OrderId; trackingNumber: string }>(),
});
export const OrderDelivered = defineEvent('OrderDelivered', { data: type<{ orderId: OrderId }>() });
export const OrderCancelled = defineEvent('OrderCancelled', {
  data: type<{ orderId: OrderId; reason: string }>(),
});

export type OrderCommand =
  | MessageOf<typeof CreateOrder>
  | MessageOf<typeof ConfirmOrder>
  | MessageOf<typeof ShipOrder>
  | MessageOf<typeof DeliverOrder>
  | MessageOf<typeof CancelOrder>
  | MessageOf<typeof ExpireOrder>
  | MessageOf<typeof ConfirmPaidOrder>
  | MessageOf<typeof AbandonOrder>;
export type OrderEvent =
  | MessageOf<typeof OrderPlaced>
  | MessageOf<typeof OrderConfirmed>
  | MessageOf<typeof OrderShipped>
  | MessageOf<typeof OrderDelivered>
  | MessageOf<typeof OrderCancelled>;
