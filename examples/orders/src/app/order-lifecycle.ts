/**
 * Confirm, ship and deliver: each touches one order stream, at the version the client read when
 * it gives one, and answers the order's new version. ConfirmPaidOrder is the fulfillment saga's
 * confirmation, once the payment went through.
 */
import { handle, handleCommand, type HandlerContext, type MessageOf } from '@whizbang/core';
import { orderStream } from '../domain/ids.js';
import { ConfirmOrder, ConfirmPaidOrder, DeliverOrder, ShipOrder } from '../domain/order-messages.js';
import { orderDecider } from '../domain/order.js';
import { ORDERS_PERMISSIONS } from './roles.js';
import { decideAtVersion } from './versioned-command.js';

export { ConfirmOrder, ConfirmPaidOrder, DeliverOrder, ShipOrder };

/**
 * A confirmation reads one order stream and appends one event: a few ms once warm, tens of ms
 * when cold or waiting for SQLite's one writer. Past this, something is wrong (see
 * PLACE_ORDER_BUDGET_MS).
 */
export const CONFIRM_ORDER_BUDGET_MS = 150;

/** Decides on the order's stream, at the version the client read when it gives one. */
const atTheVersionRead = (
  command: MessageOf<typeof ConfirmOrder> | MessageOf<typeof ShipOrder> | MessageOf<typeof DeliverOrder>,
  ctx: HandlerContext,
) =>
  decideAtVersion(
    ctx,
    orderStream(command.data.orderId),
    orderDecider,
    command,
    command.data.expectedVersion,
  );

export const confirmOrder = handle(ConfirmOrder, atTheVersionRead, {
  permissions: [ORDERS_PERMISSIONS.confirmOrders],
  budget: { maxLatencyMs: CONFIRM_ORDER_BUDGET_MS },
});

export const shipOrder = handle(ShipOrder, atTheVersionRead, {
  permissions: [ORDERS_PERMISSIONS.shipOrders],
});

export const deliverOrder = handle(DeliverOrder, atTheVersionRead, {
  permissions: [ORDERS_PERMISSIONS.deliverOrders],
});

/**
 * The fulfillment saga's, once paid: no route reaches it. It declares no permission, so it runs
 * with whatever principal the saga carries (that of the customer who placed the order).
 */
export const confirmPaidOrder = handle(ConfirmPaidOrder, async (command, ctx) => {
  await handleCommand(ctx, orderStream(command.data.orderId), orderDecider, command);
});
