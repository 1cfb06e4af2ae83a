/**
 * A reactor: when an order ships, tell the customer. The notice is a side effect outside the
 * store, so it may be sent twice after a crash; the idempotency key lets a real mailer drop
 * the second one.
 */
import { defineReactor } from '@whizbang/core';
import type { OrderEvent } from '../domain/order-messages.js';

export interface ShippingNotice {
  readonly orderId: string;
  readonly trackingNumber: string;
  /** The same for every delivery of one event. */
  readonly idempotencyKey: string;
}

// #region reactor
export function shippingNotices(send: (notice: ShippingNotice) => void | Promise<void>) {
  return defineReactor<OrderEvent>({
    name: 'shipping-notices',
    handlers: {
      OrderShipped: (event, ctx) =>
        send({
          orderId: event.data.orderId,
          trackingNumber: event.data.trackingNumber,
          idempotencyKey: ctx.idempotencyKey,
        }),
    },
  });
}
// #endregion
